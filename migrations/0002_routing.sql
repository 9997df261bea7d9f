CREATE TABLE "carrier_services" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "carrier_services_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"carrier_id" bigint NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"service_levels" text[] NOT NULL,
	"rate_card" jsonb NOT NULL,
	"pickup_cutoffs" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	CONSTRAINT "carrier_services_carrier_code_key" UNIQUE("carrier_id","code")
);
--> statement-breakpoint
CREATE TABLE "carriers" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "carriers_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"code" text NOT NULL,
	"name" text NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "carriers_code_unique" UNIQUE("code")
);
--> statement-breakpoint
CREATE TABLE "location_daily_usage" (
	"location_id" bigint NOT NULL,
	"day" date NOT NULL,
	"orders" integer DEFAULT 0 NOT NULL,
	"units" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "location_daily_usage_location_id_day_pk" PRIMARY KEY("location_id","day"),
	CONSTRAINT "location_daily_usage_counts_check" CHECK ("location_daily_usage"."orders" >= 0 AND "location_daily_usage"."units" >= 0)
);
--> statement-breakpoint
CREATE TABLE "routing_rule_sets" (
	"scope" text NOT NULL,
	"version" integer NOT NULL,
	"body" jsonb NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "routing_rule_sets_scope_version_pk" PRIMARY KEY("scope","version")
);
--> statement-breakpoint
ALTER TABLE "locations" ADD COLUMN "capacity_orders_per_day" integer;--> statement-breakpoint
ALTER TABLE "locations" ADD COLUMN "capacity_units_per_day" integer;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "destination" jsonb;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "routing" jsonb;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "promised_delivery_date" date;--> statement-breakpoint
ALTER TABLE "carrier_services" ADD CONSTRAINT "carrier_services_carrier_id_carriers_id_fk" FOREIGN KEY ("carrier_id") REFERENCES "public"."carriers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "location_daily_usage" ADD CONSTRAINT "location_daily_usage_location_id_locations_id_fk" FOREIGN KEY ("location_id") REFERENCES "public"."locations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "routing_rule_sets" ADD CONSTRAINT "routing_rule_sets_created_by_api_keys_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."api_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "locations" ADD CONSTRAINT "locations_capacity_check" CHECK ("locations"."capacity_orders_per_day" >= 0 AND "locations"."capacity_units_per_day" >= 0);