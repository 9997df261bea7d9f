-- Report facts: shipments carry their order's channel and capture time, orders their shipments, lines
-- and lines shipped in full, so the fulfillment report reads indexes and joins nothing. Existing rows
-- are filled in from what they already hold. Orders get an index by status for the alert rules.
DROP INDEX "shipments_report_shipped_idx";--> statement-breakpoint
DROP INDEX "shipments_report_delivered_idx";--> statement-breakpoint
ALTER TABLE "shipments" ADD COLUMN "channel_id" bigint;--> statement-breakpoint
ALTER TABLE "shipments" ADD COLUMN "order_created_at" timestamp with time zone;--> statement-breakpoint
UPDATE "shipments" s SET "channel_id" = o."channel_id", "order_created_at" = o."created_at"
  FROM "orders" o WHERE o."id" = s."order_id";--> statement-breakpoint
ALTER TABLE "shipments" ALTER COLUMN "channel_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "shipments" ALTER COLUMN "order_created_at" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "shipment_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "line_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "lines_filled" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE "orders" o SET "shipment_count" = f."shipments", "line_count" = f."lines", "lines_filled" = f."filled"
  FROM (SELECT l."order_id", count(*)::int AS "lines",
               count(*) FILTER (WHERE l."quantity_shipped" >= l."quantity")::int AS "filled",
               (SELECT count(*)::int FROM "shipments" s
                 WHERE s."order_id" = l."order_id" AND s."status" <> 'cancelled') AS "shipments"
          FROM "order_lines" l GROUP BY l."order_id") f
 WHERE o."id" = f."order_id" AND EXISTS (SELECT 1 FROM "order_lines" x WHERE x."order_id" = o."id" AND x."quantity_shipped" > 0);--> statement-breakpoint
ALTER TABLE "shipments" ADD CONSTRAINT "shipments_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "orders_status_idx" ON "orders" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "orders_report_shipped_idx" ON "orders" USING btree ("placed_at","channel_id","shipment_count","line_count","lines_filled") WHERE "orders"."status" IN ('partially_shipped', 'shipped', 'delivered', 'partially_returned', 'returned');--> statement-breakpoint
CREATE INDEX "shipments_report_shipped_idx" ON "shipments" USING btree ("shipped_at","location_id","channel_id","ship_by","order_created_at") WHERE "shipments"."shipped_at" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "shipments_report_delivered_idx" ON "shipments" USING btree ("delivered_at","shipped_at","promised_delivery_date","location_id","channel_id") WHERE "shipments"."delivered_at" IS NOT NULL;
