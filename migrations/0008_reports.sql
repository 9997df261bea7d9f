CREATE INDEX "shipments_report_shipped_idx" ON "shipments" USING btree ("shipped_at","location_id","ship_by","order_id") WHERE "shipments"."shipped_at" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "shipments_report_delivered_idx" ON "shipments" USING btree ("delivered_at","shipped_at","promised_delivery_date","location_id","order_id") WHERE "shipments"."delivered_at" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "shipments_report_order_idx" ON "shipments" USING btree ("order_id","status");--> statement-breakpoint
CREATE INDEX "order_lines_report_fill_idx" ON "order_lines" USING btree ("order_id","quantity","quantity_shipped");--> statement-breakpoint
CREATE INDEX "orders_report_placed_idx" ON "orders" USING btree ("placed_at","channel_id","status","currency","total","id","cancel_reason");--> statement-breakpoint
CREATE INDEX "orders_report_id_idx" ON "orders" USING btree ("id","created_at","placed_at","channel_id","status");--> statement-breakpoint
CREATE INDEX "orders_open_idx" ON "orders" USING btree ("placed_at") WHERE "orders"."status" IN ('received', 'validated', 'on_hold', 'backordered', 'allocated', 'released', 'partially_shipped');