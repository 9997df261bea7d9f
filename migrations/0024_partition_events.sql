-- Events by month of occurred_at, webhook deliveries and their attempts by week of the delivery's
-- created_at (issue 19): retention drops whole partitions instead of deleting rows. Keys of a partitioned
-- table include its partition key, so the old foreign keys go; deliveries carry their event's occurred_at
-- and attempts their delivery's created_at instead, to find the one partition that holds each.
ALTER TABLE "webhook_attempts" DROP CONSTRAINT "webhook_attempts_delivery_id_webhook_deliveries_id_fk";--> statement-breakpoint
ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "webhook_deliveries_event_sequence_events_sequence_fk";--> statement-breakpoint
ALTER TABLE "webhook_attempts" ADD COLUMN "delivery_created_at" timestamp with time zone;--> statement-breakpoint
UPDATE "webhook_attempts" a SET "delivery_created_at" = d."created_at"
  FROM "webhook_deliveries" d WHERE d."id" = a."delivery_id";--> statement-breakpoint
-- The cascading foreign key left no attempt without its delivery; should one exist, it has no week to go to.
DELETE FROM "webhook_attempts" WHERE "delivery_created_at" IS NULL;--> statement-breakpoint
ALTER TABLE "webhook_attempts" ALTER COLUMN "delivery_created_at" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD COLUMN "event_occurred_at" timestamp with time zone;--> statement-breakpoint
UPDATE "webhook_deliveries" d SET "event_occurred_at" = e."occurred_at"
  FROM "events" e WHERE e."sequence" = d."event_sequence";--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ALTER COLUMN "event_occurred_at" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "events" DROP CONSTRAINT "events_pkey";--> statement-breakpoint
ALTER TABLE "webhook_attempts" DROP CONSTRAINT "webhook_attempts_pkey";--> statement-breakpoint
ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "webhook_deliveries_pkey";--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_sequence_occurred_at_pk" PRIMARY KEY("sequence","occurred_at");--> statement-breakpoint
ALTER TABLE "webhook_attempts" ADD CONSTRAINT "webhook_attempts_id_delivery_created_at_pk" PRIMARY KEY("id","delivery_created_at");--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_id_created_at_pk" PRIMARY KEY("id","created_at");--> statement-breakpoint
-- Positions come from one sequence, so they stay unique without a unique index (which would need occurred_at).
DROP INDEX "events_position_idx";--> statement-breakpoint
CREATE INDEX "events_position_idx" ON "events" USING btree ("position") WHERE "events"."position" IS NOT NULL;--> statement-breakpoint
-- hand-written below
-- Each table, now in its new shape, becomes the `_legacy` partition of a partitioned table of the same name
-- and shape: from MINVALUE to the end of the period (month, week) in which this migration runs, or of
-- its newest row if that is later. Attached, not copied: its rows stay where they are and its indexes
-- become the partitions' of the parent's (same definitions). The identity columns move to the parent and
-- continue after the old values. Then a DEFAULT partition, the safety net for rows no partition covers
-- (the maintenance job moves them out), and the next two periods, which the maintenance job keeps ahead.
ALTER TABLE "events" RENAME TO "events_legacy";--> statement-breakpoint
ALTER TABLE "events_legacy" RENAME CONSTRAINT "events_sequence_occurred_at_pk" TO "events_legacy_pkey";--> statement-breakpoint
ALTER INDEX "events_unnumbered_idx" RENAME TO "events_legacy_unnumbered_idx";--> statement-breakpoint
ALTER INDEX "events_position_idx" RENAME TO "events_legacy_position_idx";--> statement-breakpoint
ALTER INDEX "events_timeline_idx" RENAME TO "events_legacy_timeline_idx";--> statement-breakpoint
ALTER TABLE "webhook_deliveries" RENAME TO "webhook_deliveries_legacy";--> statement-breakpoint
ALTER TABLE "webhook_deliveries_legacy" RENAME CONSTRAINT "webhook_deliveries_id_created_at_pk" TO "webhook_deliveries_legacy_pkey";--> statement-breakpoint
ALTER INDEX "webhook_deliveries_due_idx" RENAME TO "webhook_deliveries_legacy_due_idx";--> statement-breakpoint
ALTER INDEX "webhook_deliveries_subscription_idx" RENAME TO "webhook_deliveries_legacy_subscription_idx";--> statement-breakpoint
ALTER INDEX "webhook_deliveries_pending_subscription_idx" RENAME TO "webhook_deliveries_legacy_pending_subscription_idx";--> statement-breakpoint
ALTER INDEX "webhook_deliveries_claimed_idx" RENAME TO "webhook_deliveries_legacy_claimed_idx";--> statement-breakpoint
ALTER TABLE "webhook_attempts" RENAME TO "webhook_attempts_legacy";--> statement-breakpoint
ALTER TABLE "webhook_attempts_legacy" RENAME CONSTRAINT "webhook_attempts_id_delivery_created_at_pk" TO "webhook_attempts_legacy_pkey";--> statement-breakpoint
ALTER INDEX "webhook_attempts_delivery_idx" RENAME TO "webhook_attempts_legacy_delivery_idx";--> statement-breakpoint
DO $$
DECLARE
  -- The next value each identity would have handed out; the new identity starts there.
  next_event bigint := (SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM "events_sequence_seq");
  next_delivery bigint := (SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM "webhook_deliveries_id_seq");
  next_attempt bigint := (SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM "webhook_attempts_id_seq");
  -- Period bounds in UTC wall time (timestamp without time zone): adding a month or a week to a timestamptz
  -- would follow the session's time zone and its daylight saving changes.
  events_until timestamp := date_trunc('month', greatest(now(), (SELECT max("occurred_at") FROM "events_legacy")) AT TIME ZONE 'UTC')
                            + interval '1 month';
  webhooks_until timestamp := date_trunc('week', greatest(now(), (SELECT max("created_at") FROM "webhook_deliveries_legacy")) AT TIME ZONE 'UTC')
                              + interval '1 week';
  start timestamp;
BEGIN
  ALTER TABLE "events_legacy" ALTER COLUMN "sequence" DROP IDENTITY;
  ALTER TABLE "webhook_deliveries_legacy" ALTER COLUMN "id" DROP IDENTITY;
  ALTER TABLE "webhook_attempts_legacy" ALTER COLUMN "id" DROP IDENTITY;

  CREATE TABLE "events" (LIKE "events_legacy" INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE ("occurred_at");
  EXECUTE format('ALTER TABLE "events" ALTER COLUMN "sequence" ADD GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME "events_sequence_seq" START WITH %s)', next_event);
  ALTER TABLE "events" ADD CONSTRAINT "events_sequence_occurred_at_pk" PRIMARY KEY ("sequence", "occurred_at");
  CREATE INDEX "events_unnumbered_idx" ON "events" USING btree ("sequence") WHERE "events"."position" IS NULL;
  CREATE INDEX "events_position_idx" ON "events" USING btree ("position") WHERE "events"."position" IS NOT NULL;
  CREATE INDEX "events_timeline_idx" ON "events" USING btree ("resource_id", "sequence") WHERE "events"."resource_type" IN ('order', 'shipment', 'return', 'refund');
  EXECUTE format('ALTER TABLE "events" ATTACH PARTITION "events_legacy" FOR VALUES FROM (MINVALUE) TO (%L)', events_until AT TIME ZONE 'UTC');
  CREATE TABLE "events_default" PARTITION OF "events" DEFAULT;

  CREATE TABLE "webhook_deliveries" (LIKE "webhook_deliveries_legacy" INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE ("created_at");
  EXECUTE format('ALTER TABLE "webhook_deliveries" ALTER COLUMN "id" ADD GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME "webhook_deliveries_id_seq" START WITH %s)', next_delivery);
  ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_id_created_at_pk" PRIMARY KEY ("id", "created_at");
  -- The legacy partition's equal foreign key becomes this one's part, with no second check of its rows.
  ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_subscription_id_webhook_subscriptions_id_fk" FOREIGN KEY ("subscription_id") REFERENCES "public"."webhook_subscriptions"("id") ON DELETE cascade ON UPDATE no action;
  CREATE INDEX "webhook_deliveries_due_idx" ON "webhook_deliveries" USING btree ("next_attempt_at") WHERE "webhook_deliveries"."status" = 'pending';
  CREATE INDEX "webhook_deliveries_subscription_idx" ON "webhook_deliveries" USING btree ("subscription_id", "id");
  CREATE INDEX "webhook_deliveries_pending_subscription_idx" ON "webhook_deliveries" USING btree ("subscription_id", "next_attempt_at", "id") WHERE "webhook_deliveries"."status" = 'pending';
  CREATE INDEX "webhook_deliveries_claimed_idx" ON "webhook_deliveries" USING btree ("subscription_id", "locked_until") WHERE "webhook_deliveries"."status" = 'pending' AND "webhook_deliveries"."locked_until" IS NOT NULL;
  EXECUTE format('ALTER TABLE "webhook_deliveries" ATTACH PARTITION "webhook_deliveries_legacy" FOR VALUES FROM (MINVALUE) TO (%L)', webhooks_until AT TIME ZONE 'UTC');
  CREATE TABLE "webhook_deliveries_default" PARTITION OF "webhook_deliveries" DEFAULT;

  CREATE TABLE "webhook_attempts" (LIKE "webhook_attempts_legacy" INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE ("delivery_created_at");
  EXECUTE format('ALTER TABLE "webhook_attempts" ALTER COLUMN "id" ADD GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME "webhook_attempts_id_seq" START WITH %s)', next_attempt);
  ALTER TABLE "webhook_attempts" ADD CONSTRAINT "webhook_attempts_id_delivery_created_at_pk" PRIMARY KEY ("id", "delivery_created_at");
  CREATE INDEX "webhook_attempts_delivery_idx" ON "webhook_attempts" USING btree ("delivery_id", "id");
  EXECUTE format('ALTER TABLE "webhook_attempts" ATTACH PARTITION "webhook_attempts_legacy" FOR VALUES FROM (MINVALUE) TO (%L)', webhooks_until AT TIME ZONE 'UTC');
  CREATE TABLE "webhook_attempts_default" PARTITION OF "webhook_attempts" DEFAULT;

  -- Named by the first day of their period, as src/db/partitions.ts names them.
  FOR i IN 0..1 LOOP
    start := events_until + make_interval(months => i);
    EXECUTE format('CREATE TABLE %I PARTITION OF "events" FOR VALUES FROM (%L) TO (%L)', 'events_p' || to_char(start, 'YYYYMMDD'),
                   start AT TIME ZONE 'UTC', (start + interval '1 month') AT TIME ZONE 'UTC');
    start := webhooks_until + make_interval(weeks => i);
    EXECUTE format('CREATE TABLE %I PARTITION OF "webhook_deliveries" FOR VALUES FROM (%L) TO (%L)', 'webhook_deliveries_p' || to_char(start, 'YYYYMMDD'),
                   start AT TIME ZONE 'UTC', (start + interval '1 week') AT TIME ZONE 'UTC');
    EXECUTE format('CREATE TABLE %I PARTITION OF "webhook_attempts" FOR VALUES FROM (%L) TO (%L)', 'webhook_attempts_p' || to_char(start, 'YYYYMMDD'),
                   start AT TIME ZONE 'UTC', (start + interval '1 week') AT TIME ZONE 'UTC');
  END LOOP;
END
$$;
