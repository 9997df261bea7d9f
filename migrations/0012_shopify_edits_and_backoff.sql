ALTER TABLE "shopify_connectors" ADD COLUMN "admin_failures" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "shopify_orders" ADD COLUMN "applied_content" jsonb;--> statement-breakpoint
CREATE INDEX "shopify_fulfilments_list_idx" ON "shopify_fulfilments" USING btree ("channel_id","status","created_at","shipment_id");