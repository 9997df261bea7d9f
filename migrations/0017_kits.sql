CREATE TABLE "product_components" (
	"kit_id" bigint NOT NULL,
	"component_id" bigint NOT NULL,
	"quantity" integer NOT NULL,
	"position" integer NOT NULL,
	CONSTRAINT "product_components_kit_id_component_id_pk" PRIMARY KEY("kit_id","component_id"),
	CONSTRAINT "product_components_quantity_check" CHECK ("product_components"."quantity" > 0 AND "product_components"."kit_id" <> "product_components"."component_id")
);
--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "kit_split" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "order_lines" ADD COLUMN "kit_split" boolean;--> statement-breakpoint
ALTER TABLE "order_lines" ADD COLUMN "kit_line_number" integer;--> statement-breakpoint
ALTER TABLE "order_lines" ADD COLUMN "units_per_kit" integer;--> statement-breakpoint
ALTER TABLE "product_components" ADD CONSTRAINT "product_components_kit_id_products_id_fk" FOREIGN KEY ("kit_id") REFERENCES "public"."products"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "product_components" ADD CONSTRAINT "product_components_component_id_products_id_fk" FOREIGN KEY ("component_id") REFERENCES "public"."products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "product_components_component_idx" ON "product_components" USING btree ("component_id");--> statement-breakpoint
ALTER TABLE "order_lines" ADD CONSTRAINT "order_lines_kit_check" CHECK (("order_lines"."kit_line_number" IS NULL) = ("order_lines"."units_per_kit" IS NULL) AND "order_lines"."units_per_kit" > 0
        AND ("order_lines"."kit_split" IS NULL OR "order_lines"."kit_line_number" IS NULL));--> statement-breakpoint
-- A kit's line shows the whole kits its components make: every path that moves a component line
-- (allocation, shipping, cancelling) keeps the kit line true without knowing about kits.
CREATE FUNCTION order_kit_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE order_lines k
     SET quantity_cancelled = r.cancelled,
         quantity_shipped = r.shipped,
         quantity_allocated = r.ready - r.shipped,
         quantity_backordered = CASE WHEN r.waiting THEN k.quantity - r.cancelled - r.ready ELSE 0 END
    FROM (SELECT min(c.quantity_cancelled / c.units_per_kit) AS cancelled,
                 min(c.quantity_shipped / c.units_per_kit) AS shipped,
                 min((c.quantity_allocated + c.quantity_shipped) / c.units_per_kit) AS ready,
                 bool_or(c.quantity_backordered > 0) AS waiting
            FROM order_lines c
           WHERE c.order_id = NEW.order_id AND c.kit_line_number = NEW.kit_line_number) r
   WHERE k.order_id = NEW.order_id AND k.line_number = NEW.kit_line_number;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER order_lines_kit_rollup
  AFTER INSERT OR UPDATE OF quantity_allocated, quantity_backordered, quantity_cancelled, quantity_shipped
  ON order_lines
  FOR EACH ROW WHEN (NEW.kit_line_number IS NOT NULL) EXECUTE FUNCTION order_kit_rollup();
