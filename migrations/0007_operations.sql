CREATE TYPE "public"."alert_status" AS ENUM('open', 'acknowledged', 'resolved');--> statement-breakpoint
CREATE TABLE "location_feeds" (
	"location_id" bigint PRIMARY KEY NOT NULL,
	"last_feed_at" timestamp with time zone NOT NULL,
	"last_reference" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "alert_rule_sets" (
	"version" integer PRIMARY KEY NOT NULL,
	"rules" jsonb NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "alerts" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "alerts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"rule" text NOT NULL,
	"kind" text NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" text NOT NULL,
	"channel" text,
	"status" "alert_status" DEFAULT 'open' NOT NULL,
	"summary" text NOT NULL,
	"details" jsonb NOT NULL,
	"rule_version" integer NOT NULL,
	"raised_at" timestamp with time zone DEFAULT now() NOT NULL,
	"seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"acknowledged_at" timestamp with time zone,
	"acknowledged_by" uuid,
	"resolved_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "actor" jsonb DEFAULT '{"type":"system","id":null,"name":"unknown","request_id":null}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "inventory_levels" ADD COLUMN "reorder_point" integer;--> statement-breakpoint
ALTER TABLE "location_feeds" ADD CONSTRAINT "location_feeds_location_id_locations_id_fk" FOREIGN KEY ("location_id") REFERENCES "public"."locations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alert_rule_sets" ADD CONSTRAINT "alert_rule_sets_created_by_api_keys_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."api_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_acknowledged_by_api_keys_id_fk" FOREIGN KEY ("acknowledged_by") REFERENCES "public"."api_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_one_unresolved_idx" ON "alerts" USING btree ("rule","subject_type","subject_id") WHERE "alerts"."status" <> 'resolved';--> statement-breakpoint
CREATE INDEX "events_timeline_idx" ON "events" USING btree ("resource_id","sequence") WHERE "events"."resource_type" IN ('order', 'shipment', 'return', 'refund');--> statement-breakpoint
ALTER TABLE "inventory_levels" ADD CONSTRAINT "inventory_levels_reorder_point_check" CHECK ("inventory_levels"."reorder_point" >= 0);