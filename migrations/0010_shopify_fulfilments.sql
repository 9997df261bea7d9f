CREATE TABLE "shopify_fulfilments" (
	"shipment_id" uuid PRIMARY KEY NOT NULL,
	"channel_id" bigint NOT NULL,
	"shopify_order_id" text NOT NULL,
	"lines" jsonb NOT NULL,
	"carrier" text,
	"tracking_number" text,
	"tracking_url" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"shopify_fulfillment_id" text,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "shopify_connectors" ADD COLUMN "fulfilment_cursor" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "shopify_inbox" ADD COLUMN "dismissed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "shopify_inbox" ADD COLUMN "dismissed_by" uuid;--> statement-breakpoint
ALTER TABLE "shopify_fulfilments" ADD CONSTRAINT "shopify_fulfilments_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "shopify_fulfilments_due_idx" ON "shopify_fulfilments" USING btree ("channel_id","next_attempt_at") WHERE "shopify_fulfilments"."status" = 'pending';--> statement-breakpoint
ALTER TABLE "shopify_inbox" ADD CONSTRAINT "shopify_inbox_dismissed_by_api_keys_id_fk" FOREIGN KEY ("dismissed_by") REFERENCES "public"."api_keys"("id") ON DELETE no action ON UPDATE no action;