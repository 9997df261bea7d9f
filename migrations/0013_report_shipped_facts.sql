-- Report facts written where they happen. Shipments carry the instant their ship_by day ends at their
-- location, so "shipped on time" is a comparison, not a time zone conversion per row; shipment lines
-- carry their shipment's shipped_at, so units shipped per SKU are read from lines alone. Existing rows
-- are filled in from their location's time zone and their shipment.
DROP INDEX "shipments_report_shipped_idx";--> statement-breakpoint
ALTER TABLE "shipments" ADD COLUMN "ship_deadline" timestamp with time zone;--> statement-breakpoint
UPDATE "shipments" s SET "ship_deadline" = ((s."ship_by" + 1)::timestamp AT TIME ZONE l."time_zone")
  FROM "locations" l WHERE l."id" = s."location_id";--> statement-breakpoint
ALTER TABLE "shipments" ALTER COLUMN "ship_deadline" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "shipment_lines" ADD COLUMN "shipped_at" timestamp with time zone;--> statement-breakpoint
UPDATE "shipment_lines" sl SET "shipped_at" = s."shipped_at"
  FROM "shipments" s WHERE s."id" = sl."shipment_id" AND s."shipped_at" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "shipment_lines_report_shipped_idx" ON "shipment_lines" USING btree ("shipped_at","sku","quantity") WHERE "shipment_lines"."shipped_at" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "shipments_report_shipped_idx" ON "shipments" USING btree ("shipped_at","location_id","channel_id","ship_deadline","order_created_at") WHERE "shipments"."shipped_at" IS NOT NULL;
