import Type, { type Static } from 'typebox';

const text = (maxLength: number) => Type.String({ minLength: 1, maxLength });

/** The one address shape used by locations, orders, returns and promises. */
export const AddressSchema = Type.Object(
  {
    name: Type.Optional(text(200)),
    company: Type.Optional(text(200)),
    line1: text(200),
    line2: Type.Optional(text(200)),
    city: Type.Optional(text(100)),
    region: Type.Optional(text(100)),
    postal_code: Type.Optional(text(20)),
    country: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2 code, upper case' }),
    phone: Type.Optional(text(40)),
    latitude: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
    longitude: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
  },
  {
    additionalProperties: false,
    examples: [
      {
        name: 'East Coast DC',
        line1: '200 Commerce Way',
        city: 'Edison',
        region: 'NJ',
        postal_code: '08837',
        country: 'US',
      },
    ],
  },
);

export type Address = Static<typeof AddressSchema>;
