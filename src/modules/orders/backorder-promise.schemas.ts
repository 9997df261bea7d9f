import Type from 'typebox';

/** Incoming units a backordered line is promised. */
const PromisedIncomingSchema = Type.Object(
  {
    inbound_shipment: Type.String({ format: 'uuid', description: 'The inbound shipment' }),
    reference: Type.String({ description: 'Its reference (ASN or PO number)' }),
    location: Type.String({ description: 'Where the units arrive (and ship from)' }),
    expected_date: Type.String({ format: 'date', description: 'When they are expected there' }),
    quantity: Type.Integer({ description: 'Units of the line they cover' }),
  },
  {
    examples: [
      {
        inbound_shipment: '5d1c7e0a-2b3f-4a6d-9c8e-1f2a3b4c5d6e',
        reference: 'PO-2026-1187',
        location: 'NJ-DC',
        expected_date: '2026-12-04',
        quantity: 2,
      },
    ],
  },
);

/** `lines[].incoming` of an order. */
export const LineIncoming = Type.Optional(
  Type.Array(PromisedIncomingSchema, {
    description:
      'On a line with backordered units: the incoming units (open inbound shipments) they are promised, soonest first, first in first out by order priority then age. Units not listed are covered by none, and the order then has no promised_delivery_date',
  }),
);

/** `promised_delivery_date` of an order. */
export const PromisedDeliveryDate = Type.Union([Type.String({ format: 'date' }), Type.Null()], {
  description:
    'The delivery date promised when the order was routed. For an order waiting for stock (backordered), when its last incoming units can arrive (their expected date, the location’s processing days, then transit), or null while some backordered units are covered by no incoming stock; it moves when the inbound shipments do (`order.promise_changed` when it gets later or is lost)',
});
