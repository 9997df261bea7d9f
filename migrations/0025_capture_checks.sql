-- Order capture sends COMMIT right behind the statement that writes the order, without waiting for its
-- answer. When that statement finds the order already written by a copy (OR001) or a location's last
-- room for the day taken meanwhile (OR002), it fails with this, and the COMMIT then rolls back.
CREATE FUNCTION ordo_refuse(code text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'order capture refused (%)', code USING ERRCODE = code;
END $$;
