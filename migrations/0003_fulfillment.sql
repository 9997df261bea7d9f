CREATE TYPE "public"."pick_list_status" AS ENUM('open', 'confirmed', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."shipment_status" AS ENUM('pending', 'picking', 'packed', 'shipped', 'in_transit', 'delivered', 'exception', 'cancelled');--> statement-breakpoint
CREATE SEQUENCE "public"."tracking_serial_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 10000001 CACHE 1;--> statement-breakpoint
CREATE TABLE "bin_placements" (
	"location_id" bigint NOT NULL,
	"product_id" bigint NOT NULL,
	"zone" text NOT NULL,
	"aisle" text NOT NULL,
	"bin" text NOT NULL,
	"walk_sequence" integer NOT NULL,
	CONSTRAINT "bin_placements_location_id_product_id_pk" PRIMARY KEY("location_id","product_id")
);
--> statement-breakpoint
CREATE TABLE "packing_rule_sets" (
	"version" integer PRIMARY KEY NOT NULL,
	"body" jsonb NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pick_lists" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "pick_lists_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"location_id" bigint NOT NULL,
	"status" "pick_list_status" DEFAULT 'open' NOT NULL,
	"criteria" jsonb NOT NULL,
	"items" jsonb NOT NULL,
	"packing" jsonb NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"confirmed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "shipment_lines" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "shipment_lines_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"shipment_id" uuid NOT NULL,
	"order_line_id" bigint NOT NULL,
	"product_id" bigint NOT NULL,
	"sku" text NOT NULL,
	"quantity" integer NOT NULL,
	"quantity_picked" integer,
	"quantity_scanned" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "shipment_lines_quantities_check" CHECK ("shipment_lines"."quantity" >= 0 AND "shipment_lines"."quantity_scanned" >= 0 AND "shipment_lines"."quantity_scanned" <= "shipment_lines"."quantity"
        AND ("shipment_lines"."quantity_picked" IS NULL OR "shipment_lines"."quantity_picked" >= 0))
);
--> statement-breakpoint
CREATE TABLE "shipments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"number" text NOT NULL,
	"order_id" uuid NOT NULL,
	"location_id" bigint NOT NULL,
	"status" "shipment_status" DEFAULT 'pending' NOT NULL,
	"service_level" "service_level" NOT NULL,
	"ship_by" date NOT NULL,
	"promised_delivery_date" date,
	"priority" integer DEFAULT 0 NOT NULL,
	"carrier" text,
	"service" text,
	"tracking_number" text,
	"tracking_url" text,
	"cost" bigint,
	"weight_grams" integer DEFAULT 0 NOT NULL,
	"rate_options" jsonb,
	"packing" jsonb,
	"pack_override" jsonb,
	"pick_list_id" bigint,
	"tote" integer,
	"tracking" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"exception" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"shipped_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	CONSTRAINT "shipments_number_unique" UNIQUE("number")
);
--> statement-breakpoint
ALTER TABLE "channels" ADD COLUMN "release_delay_minutes" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "locations" ADD COLUMN "fulfillment" text DEFAULT 'ordo' NOT NULL;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "release_due_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "carriers" ADD COLUMN "adapter" text DEFAULT 'rate_card' NOT NULL;--> statement-breakpoint
ALTER TABLE "carriers" ADD COLUMN "endpoint" text;--> statement-breakpoint
ALTER TABLE "carriers" ADD COLUMN "api_token" text;--> statement-breakpoint
ALTER TABLE "bin_placements" ADD CONSTRAINT "bin_placements_location_id_locations_id_fk" FOREIGN KEY ("location_id") REFERENCES "public"."locations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bin_placements" ADD CONSTRAINT "bin_placements_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "packing_rule_sets" ADD CONSTRAINT "packing_rule_sets_created_by_api_keys_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."api_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pick_lists" ADD CONSTRAINT "pick_lists_location_id_locations_id_fk" FOREIGN KEY ("location_id") REFERENCES "public"."locations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pick_lists" ADD CONSTRAINT "pick_lists_created_by_api_keys_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."api_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shipment_lines" ADD CONSTRAINT "shipment_lines_shipment_id_shipments_id_fk" FOREIGN KEY ("shipment_id") REFERENCES "public"."shipments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shipment_lines" ADD CONSTRAINT "shipment_lines_order_line_id_order_lines_id_fk" FOREIGN KEY ("order_line_id") REFERENCES "public"."order_lines"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shipment_lines" ADD CONSTRAINT "shipment_lines_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shipments" ADD CONSTRAINT "shipments_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shipments" ADD CONSTRAINT "shipments_location_id_locations_id_fk" FOREIGN KEY ("location_id") REFERENCES "public"."locations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "pick_lists_location_idx" ON "pick_lists" USING btree ("location_id","id");--> statement-breakpoint
CREATE INDEX "shipment_lines_shipment_idx" ON "shipment_lines" USING btree ("shipment_id");--> statement-breakpoint
CREATE INDEX "shipment_lines_order_line_idx" ON "shipment_lines" USING btree ("order_line_id");--> statement-breakpoint
CREATE INDEX "shipments_order_idx" ON "shipments" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "shipments_location_status_idx" ON "shipments" USING btree ("location_id","status","ship_by");--> statement-breakpoint
CREATE INDEX "shipments_pick_list_idx" ON "shipments" USING btree ("pick_list_id") WHERE "shipments"."pick_list_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "orders_release_due_idx" ON "orders" USING btree ("release_due_at") WHERE "orders"."release_due_at" IS NOT NULL;--> statement-breakpoint
ALTER TABLE "channels" ADD CONSTRAINT "channels_release_delay_minutes_check" CHECK ("channels"."release_delay_minutes" >= 0);