ALTER TABLE "reservations" ADD COLUMN "order_line_id" bigint;--> statement-breakpoint
-- Rows written before this migration name their order line in text (`order_line:<id>`).
UPDATE "reservations" SET "order_line_id" = substr("holder", 12)::bigint WHERE "holder" ~ '^order_line:[0-9]+$';--> statement-breakpoint
-- A reservation whose line no longer exists (an edit removed it after releasing it) has nothing to point
-- to: an active one gives its units back to its level first, then every such row goes.
UPDATE "inventory_levels" l SET "reserved" = greatest(l."reserved" - o."quantity", 0)
  FROM (SELECT r."product_id", r."location_id", sum(r."quantity")::int AS "quantity" FROM "reservations" r
         WHERE r."status" = 'active'
           AND NOT EXISTS (SELECT 1 FROM "order_lines" ol WHERE ol."id" = r."order_line_id")
         GROUP BY 1, 2) o
 WHERE l."product_id" = o."product_id" AND l."location_id" = o."location_id";--> statement-breakpoint
DELETE FROM "reservations" r WHERE NOT EXISTS (SELECT 1 FROM "order_lines" ol WHERE ol."id" = r."order_line_id");--> statement-breakpoint
ALTER TABLE "reservations" ALTER COLUMN "order_line_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "reservations" ADD CONSTRAINT "reservations_order_line_id_order_lines_id_fk" FOREIGN KEY ("order_line_id") REFERENCES "public"."order_lines"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "reservations_order_line_idx" ON "reservations" USING btree ("order_line_id");--> statement-breakpoint
DROP INDEX "reservations_holder_idx";--> statement-breakpoint
ALTER TABLE "reservations" DROP COLUMN "holder";
