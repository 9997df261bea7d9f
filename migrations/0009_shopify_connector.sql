CREATE TABLE "shopify_connectors" (
	"channel_id" bigint PRIMARY KEY NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"shop_domain" text NOT NULL,
	"webhook_secret" text NOT NULL,
	"access_token" text NOT NULL,
	"api_version" text NOT NULL,
	"locations" jsonb NOT NULL,
	"api_key_id" uuid NOT NULL,
	"stock_cursor" bigint DEFAULT 0 NOT NULL,
	"push_paused_until" timestamp with time zone,
	"push_lease_until" timestamp with time zone,
	"last_push_at" timestamp with time zone,
	"last_error" text,
	"last_error_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "shopify_connectors_id_unique" UNIQUE("id")
);
--> statement-breakpoint
CREATE TABLE "shopify_deliveries" (
	"channel_id" bigint NOT NULL,
	"delivery_key" text NOT NULL,
	"topic" text NOT NULL,
	"outcome" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "shopify_deliveries_channel_id_delivery_key_pk" PRIMARY KEY("channel_id","delivery_key")
);
--> statement-breakpoint
CREATE TABLE "shopify_inbox" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "shopify_inbox_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"channel_id" bigint NOT NULL,
	"topic" text,
	"webhook_id" text,
	"reason" text NOT NULL,
	"body" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "shopify_orders" (
	"channel_id" bigint NOT NULL,
	"shopify_order_id" text NOT NULL,
	"order_id" uuid,
	"applied_updated_at" timestamp with time zone NOT NULL,
	"cancelled_at" timestamp with time zone,
	CONSTRAINT "shopify_orders_channel_id_shopify_order_id_pk" PRIMARY KEY("channel_id","shopify_order_id")
);
--> statement-breakpoint
CREATE TABLE "shopify_stock_pushes" (
	"channel_id" bigint NOT NULL,
	"sku" text NOT NULL,
	"location" text NOT NULL,
	"quantity" integer NOT NULL,
	"version" bigint NOT NULL,
	"pushed_version" bigint DEFAULT 0 NOT NULL,
	"inventory_item_id" text,
	"last_error" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "shopify_stock_pushes_channel_id_sku_location_pk" PRIMARY KEY("channel_id","sku","location"),
	CONSTRAINT "shopify_stock_pushes_quantity_check" CHECK ("shopify_stock_pushes"."quantity" >= 0)
);
--> statement-breakpoint
ALTER TABLE "shopify_connectors" ADD CONSTRAINT "shopify_connectors_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shopify_connectors" ADD CONSTRAINT "shopify_connectors_api_key_id_api_keys_id_fk" FOREIGN KEY ("api_key_id") REFERENCES "public"."api_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shopify_deliveries" ADD CONSTRAINT "shopify_deliveries_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shopify_inbox" ADD CONSTRAINT "shopify_inbox_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shopify_orders" ADD CONSTRAINT "shopify_orders_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shopify_stock_pushes" ADD CONSTRAINT "shopify_stock_pushes_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "shopify_inbox_channel_idx" ON "shopify_inbox" USING btree ("channel_id","id");--> statement-breakpoint
CREATE INDEX "shopify_stock_pushes_due_idx" ON "shopify_stock_pushes" USING btree ("channel_id","version") WHERE "shopify_stock_pushes"."version" > "shopify_stock_pushes"."pushed_version";