CREATE TYPE "public"."inbound_shipment_status" AS ENUM('expected', 'in_transit', 'received', 'cancelled');--> statement-breakpoint
CREATE TABLE "inbound_receipts" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "inbound_receipts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"inbound_shipment_id" uuid NOT NULL,
	"reference" text NOT NULL,
	"lines" jsonb NOT NULL,
	"closed" boolean DEFAULT false NOT NULL,
	"created_by" uuid,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "inbound_receipts_reference_key" UNIQUE("inbound_shipment_id","reference")
);
--> statement-breakpoint
CREATE TABLE "inbound_shipment_lines" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "inbound_shipment_lines_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"inbound_shipment_id" uuid NOT NULL,
	"line_number" integer NOT NULL,
	"product_id" bigint NOT NULL,
	"quantity" integer NOT NULL,
	"quantity_received" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "inbound_shipment_lines_product_key" UNIQUE("inbound_shipment_id","product_id"),
	CONSTRAINT "inbound_shipment_lines_quantities_check" CHECK ("inbound_shipment_lines"."quantity" > 0 AND "inbound_shipment_lines"."quantity_received" >= 0)
);
--> statement-breakpoint
CREATE TABLE "inbound_shipments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"number" bigint GENERATED ALWAYS AS IDENTITY (sequence name "inbound_shipments_number_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"reference" text NOT NULL,
	"location_id" bigint NOT NULL,
	"status" "inbound_shipment_status" DEFAULT 'expected' NOT NULL,
	"expected_date" date NOT NULL,
	"supplier" text,
	"notes" text,
	"cancel_reason" text,
	"created_by" uuid,
	"shipped_at" timestamp with time zone,
	"received_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "inbound_shipments_number_unique" UNIQUE("number"),
	CONSTRAINT "inbound_shipments_reference_unique" UNIQUE("reference")
);
--> statement-breakpoint
ALTER TABLE "inbound_receipts" ADD CONSTRAINT "inbound_receipts_inbound_shipment_id_inbound_shipments_id_fk" FOREIGN KEY ("inbound_shipment_id") REFERENCES "public"."inbound_shipments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inbound_receipts" ADD CONSTRAINT "inbound_receipts_created_by_api_keys_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."api_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inbound_shipment_lines" ADD CONSTRAINT "inbound_shipment_lines_inbound_shipment_id_inbound_shipments_id_fk" FOREIGN KEY ("inbound_shipment_id") REFERENCES "public"."inbound_shipments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inbound_shipment_lines" ADD CONSTRAINT "inbound_shipment_lines_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inbound_shipments" ADD CONSTRAINT "inbound_shipments_location_id_locations_id_fk" FOREIGN KEY ("location_id") REFERENCES "public"."locations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inbound_shipments" ADD CONSTRAINT "inbound_shipments_created_by_api_keys_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."api_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "inbound_shipment_lines_product_idx" ON "inbound_shipment_lines" USING btree ("product_id");--> statement-breakpoint
CREATE INDEX "inbound_shipments_status_idx" ON "inbound_shipments" USING btree ("status","number");--> statement-breakpoint
CREATE INDEX "inbound_shipments_location_idx" ON "inbound_shipments" USING btree ("location_id","status","expected_date");