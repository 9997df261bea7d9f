CREATE TYPE "public"."hold_kind" AS ENUM('payment', 'address', 'fraud', 'stock', 'routing_review', 'manual', 'return_review');--> statement-breakpoint
CREATE TYPE "public"."hold_status" AS ENUM('open', 'released', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."order_status" AS ENUM('received', 'validated', 'on_hold', 'backordered', 'allocated', 'released', 'partially_shipped', 'shipped', 'delivered', 'partially_returned', 'returned', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."service_level" AS ENUM('standard', 'express', 'same_day');--> statement-breakpoint
CREATE SEQUENCE "public"."order_number_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 100001 CACHE 1;--> statement-breakpoint
CREATE TABLE "fraud_rule_sets" (
	"version" integer PRIMARY KEY NOT NULL,
	"rules" jsonb NOT NULL,
	"review_threshold" integer NOT NULL,
	"reject_threshold" integer NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "holds" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "holds_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"order_id" uuid NOT NULL,
	"kind" "hold_kind" NOT NULL,
	"queue" text NOT NULL,
	"status" "hold_status" DEFAULT 'open' NOT NULL,
	"reason" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"assignee" text,
	"note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	"resolved_by" uuid
);
--> statement-breakpoint
CREATE TABLE "order_lines" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "order_lines_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"order_id" uuid NOT NULL,
	"line_number" integer NOT NULL,
	"product_id" bigint NOT NULL,
	"sku" text NOT NULL,
	"quantity" integer NOT NULL,
	"unit_price" bigint NOT NULL,
	"tax_amount" bigint DEFAULT 0 NOT NULL,
	"quantity_allocated" integer DEFAULT 0 NOT NULL,
	"quantity_backordered" integer DEFAULT 0 NOT NULL,
	"quantity_cancelled" integer DEFAULT 0 NOT NULL,
	"quantity_shipped" integer DEFAULT 0 NOT NULL,
	"quantity_returned" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "order_lines_order_line_number_key" UNIQUE("order_id","line_number"),
	CONSTRAINT "order_lines_quantities_check" CHECK ("order_lines"."quantity" > 0 AND "order_lines"."unit_price" >= 0 AND "order_lines"."tax_amount" >= 0 AND "order_lines"."quantity_allocated" >= 0 AND "order_lines"."quantity_backordered" >= 0
        AND "order_lines"."quantity_cancelled" >= 0 AND "order_lines"."quantity_shipped" >= 0 AND "order_lines"."quantity_returned" >= 0
        AND "order_lines"."quantity_allocated" + "order_lines"."quantity_backordered" + "order_lines"."quantity_cancelled" + "order_lines"."quantity_shipped" <= "order_lines"."quantity")
);
--> statement-breakpoint
CREATE TABLE "orders" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"number" bigint DEFAULT nextval('order_number_seq') NOT NULL,
	"channel_id" bigint NOT NULL,
	"external_id" text NOT NULL,
	"status" "order_status" NOT NULL,
	"customer" jsonb NOT NULL,
	"customer_email" text NOT NULL,
	"ship_to" jsonb NOT NULL,
	"address_key" text NOT NULL,
	"billing_address" jsonb,
	"currency" text NOT NULL,
	"service_level" "service_level" NOT NULL,
	"shipping_amount" bigint NOT NULL,
	"discounts" jsonb NOT NULL,
	"subtotal" bigint NOT NULL,
	"discount_total" bigint NOT NULL,
	"tax_total" bigint NOT NULL,
	"total" bigint NOT NULL,
	"payment" jsonb NOT NULL,
	"risk" jsonb,
	"priority" integer NOT NULL,
	"tags" text[] NOT NULL,
	"metadata" jsonb NOT NULL,
	"placed_at" timestamp with time zone NOT NULL,
	"cancel_reason" text,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "orders_number_unique" UNIQUE("number"),
	CONSTRAINT "orders_channel_external_id_key" UNIQUE("channel_id","external_id"),
	CONSTRAINT "orders_amounts_check" CHECK ("orders"."subtotal" >= 0 AND "orders"."discount_total" >= 0 AND "orders"."shipping_amount" >= 0 AND "orders"."tax_total" >= 0 AND "orders"."total" >= 0)
);
--> statement-breakpoint
ALTER TABLE "channels" ADD COLUMN "held_reservation_minutes" integer DEFAULT 1440 NOT NULL;--> statement-breakpoint
ALTER TABLE "fraud_rule_sets" ADD CONSTRAINT "fraud_rule_sets_created_by_api_keys_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."api_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "holds" ADD CONSTRAINT "holds_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "holds" ADD CONSTRAINT "holds_resolved_by_api_keys_id_fk" FOREIGN KEY ("resolved_by") REFERENCES "public"."api_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "order_lines" ADD CONSTRAINT "order_lines_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "order_lines" ADD CONSTRAINT "order_lines_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_created_by_api_keys_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."api_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "holds_order_idx" ON "holds" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "holds_open_queue_idx" ON "holds" USING btree ("queue","created_at") WHERE "holds"."status" = 'open';--> statement-breakpoint
CREATE INDEX "order_lines_product_idx" ON "order_lines" USING btree ("product_id");--> statement-breakpoint
CREATE INDEX "order_lines_backordered_idx" ON "order_lines" USING btree ("product_id") WHERE "order_lines"."quantity_backordered" > 0;--> statement-breakpoint
CREATE INDEX "orders_status_idx" ON "orders" USING btree ("status");--> statement-breakpoint
CREATE INDEX "orders_customer_email_idx" ON "orders" USING btree ("customer_email","placed_at");--> statement-breakpoint
CREATE INDEX "orders_placed_at_idx" ON "orders" USING btree ("placed_at");--> statement-breakpoint
CREATE INDEX "orders_address_key_idx" ON "orders" USING btree ("address_key","placed_at");--> statement-breakpoint
CREATE INDEX "orders_channel_number_idx" ON "orders" USING btree ("channel_id","number");--> statement-breakpoint
CREATE INDEX "reservations_expiry_idx" ON "reservations" USING btree ("expires_at") WHERE "reservations"."status" = 'active' AND "reservations"."expires_at" IS NOT NULL;--> statement-breakpoint
ALTER TABLE "channels" ADD CONSTRAINT "channels_held_reservation_minutes_check" CHECK ("channels"."held_reservation_minutes" > 0);