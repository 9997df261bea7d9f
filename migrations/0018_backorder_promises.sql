CREATE TABLE "backorder_promises" (
	"order_line_id" bigint NOT NULL,
	"inbound_shipment_line_id" bigint NOT NULL,
	"quantity" integer NOT NULL,
	CONSTRAINT "backorder_promises_order_line_id_inbound_shipment_line_id_pk" PRIMARY KEY("order_line_id","inbound_shipment_line_id"),
	CONSTRAINT "backorder_promises_quantity_check" CHECK ("backorder_promises"."quantity" > 0)
);
--> statement-breakpoint
ALTER TABLE "backorder_promises" ADD CONSTRAINT "backorder_promises_order_line_id_order_lines_id_fk" FOREIGN KEY ("order_line_id") REFERENCES "public"."order_lines"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "backorder_promises" ADD CONSTRAINT "backorder_promises_inbound_shipment_line_id_inbound_shipment_lines_id_fk" FOREIGN KEY ("inbound_shipment_line_id") REFERENCES "public"."inbound_shipment_lines"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "backorder_promises_inbound_line_idx" ON "backorder_promises" USING btree ("inbound_shipment_line_id");