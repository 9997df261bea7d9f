CREATE TYPE "public"."stock_state" AS ENUM('sellable', 'damaged', 'quality_control');--> statement-breakpoint
CREATE TYPE "public"."transfer_status" AS ENUM('requested', 'in_transit', 'partially_received', 'received', 'cancelled');--> statement-breakpoint
ALTER TYPE "public"."movement_reason" ADD VALUE 'state_change';--> statement-breakpoint
CREATE TABLE "transfer_lines" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "transfer_lines_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"transfer_id" uuid NOT NULL,
	"line_number" integer NOT NULL,
	"product_id" bigint NOT NULL,
	"quantity" integer NOT NULL,
	"quantity_shipped" integer DEFAULT 0 NOT NULL,
	"quantity_received" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "transfer_lines_product_key" UNIQUE("transfer_id","product_id"),
	CONSTRAINT "transfer_lines_quantities_check" CHECK ("transfer_lines"."quantity" > 0 AND "transfer_lines"."quantity_shipped" >= 0 AND "transfer_lines"."quantity_received" >= 0)
);
--> statement-breakpoint
CREATE TABLE "transfers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"number" bigint GENERATED ALWAYS AS IDENTITY (sequence name "transfers_number_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"reference" text,
	"source_location_id" bigint NOT NULL,
	"destination_location_id" bigint NOT NULL,
	"status" "transfer_status" DEFAULT 'requested' NOT NULL,
	"note" text,
	"carrier" text,
	"tracking_number" text,
	"cancel_reason" text,
	"created_by" uuid,
	"shipped_at" timestamp with time zone,
	"received_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "transfers_number_unique" UNIQUE("number"),
	CONSTRAINT "transfers_reference_unique" UNIQUE("reference"),
	CONSTRAINT "transfers_locations_check" CHECK ("transfers"."source_location_id" <> "transfers"."destination_location_id")
);
--> statement-breakpoint
ALTER TABLE "inventory_levels" ADD COLUMN "damaged" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "inventory_levels" ADD COLUMN "quality_control" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "inventory_movements" ADD COLUMN "stock_state" "stock_state" DEFAULT 'sellable' NOT NULL;--> statement-breakpoint
ALTER TABLE "transfer_lines" ADD CONSTRAINT "transfer_lines_transfer_id_transfers_id_fk" FOREIGN KEY ("transfer_id") REFERENCES "public"."transfers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transfer_lines" ADD CONSTRAINT "transfer_lines_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transfers" ADD CONSTRAINT "transfers_source_location_id_locations_id_fk" FOREIGN KEY ("source_location_id") REFERENCES "public"."locations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transfers" ADD CONSTRAINT "transfers_destination_location_id_locations_id_fk" FOREIGN KEY ("destination_location_id") REFERENCES "public"."locations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transfers" ADD CONSTRAINT "transfers_created_by_api_keys_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."api_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "transfer_lines_product_idx" ON "transfer_lines" USING btree ("product_id");--> statement-breakpoint
CREATE INDEX "transfers_status_idx" ON "transfers" USING btree ("status","number");--> statement-breakpoint
CREATE INDEX "transfers_source_idx" ON "transfers" USING btree ("source_location_id","number");--> statement-breakpoint
CREATE INDEX "transfers_destination_idx" ON "transfers" USING btree ("destination_location_id","number");--> statement-breakpoint
ALTER TABLE "inventory_levels" ADD CONSTRAINT "inventory_levels_unsellable_check" CHECK ("inventory_levels"."damaged" >= 0 AND "inventory_levels"."quality_control" >= 0 AND "inventory_levels"."damaged" + "inventory_levels"."quality_control" <= "inventory_levels"."on_hand");