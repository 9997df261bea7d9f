import Type, { type Static } from 'typebox';
import { Count, Tags, Text, timestamps } from '../../http/fields.js';

export const maxBulkProducts = 5000;

const Dimensions = Type.Object(
  {
    length: Count({ maximum: 100_000 }),
    width: Count({ maximum: 100_000 }),
    height: Count({ maximum: 100_000 }),
  },
  { additionalProperties: false, description: 'Outer size in millimetres' },
);

const fields = {
  sku: Type.String({
    minLength: 1,
    maxLength: 128,
    description: 'Stock keeping unit, unique; surrounding spaces are trimmed and 1-64 characters must remain',
  }),
  name: Text(500),
  barcodes: Type.Array(Type.String({ pattern: '^([0-9]{8}|[0-9]{12,14})$' }), {
    maxItems: 20,
    uniqueItems: true,
    description: 'GTIN-8/12/13/14 codes with a valid check digit, each belonging to one product only',
  }),
  weight_grams: Type.Union([Count({ maximum: 10_000_000 }), Type.Null()]),
  dimensions_mm: Type.Union([Dimensions, Type.Null()]),
  tags: Tags,
  active: Type.Boolean(),
};

const example = {
  sku: 'TSHIRT-BLK-M',
  name: 'T-shirt, black, M',
  barcodes: ['4006381333931'],
  weight_grams: 180,
  dimensions_mm: { length: 300, width: 200, height: 20 },
  tags: ['apparel'],
};

const optionalFields = {
  barcodes: Type.Optional(fields.barcodes),
  weight_grams: Type.Optional(fields.weight_grams),
  dimensions_mm: Type.Optional(fields.dimensions_mm),
  tags: Type.Optional(fields.tags),
  active: Type.Optional(fields.active),
};

export const CreateProductSchema = Type.Object(
  { sku: fields.sku, name: fields.name, ...optionalFields },
  { additionalProperties: false, examples: [example] },
);
export type CreateProduct = Static<typeof CreateProductSchema>;

export const UpdateProductSchema = Type.Object(
  { name: Type.Optional(fields.name), ...optionalFields },
  {
    additionalProperties: false,
    minProperties: 1,
    examples: [{ name: 'T-shirt, black, medium', tags: ['apparel'] }],
  },
);
export type UpdateProduct = Static<typeof UpdateProductSchema>;

export const ProductSchema = Type.Object(
  {
    sku: Type.String(),
    name: Type.String(),
    barcodes: Type.Array(Type.String()),
    weight_grams: fields.weight_grams,
    dimensions_mm: fields.dimensions_mm,
    tags: Type.Array(Type.String()),
    active: Type.Boolean(),
    ...timestamps,
  },
  {
    title: 'Product',
    examples: [
      {
        ...example,
        active: true,
        created_at: '2026-11-27T10:00:00.000Z',
        updated_at: '2026-11-27T10:00:00.000Z',
      },
    ],
  },
);
export type Product = Static<typeof ProductSchema>;

export const BulkProductsSchema = Type.Object(
  {
    products: Type.Array(CreateProductSchema, {
      minItems: 1,
      maxItems: maxBulkProducts,
      description:
        'Each listed product is created, or replaced as given (omitted fields take their defaults)',
    }),
  },
  { additionalProperties: false, examples: [{ products: [example] }] },
);
export type BulkProducts = Static<typeof BulkProductsSchema>;

export const BulkProductsResultSchema = Type.Object(
  { created: Type.Integer(), updated: Type.Integer() },
  {
    description: 'How many products were created and how many replaced',
    examples: [{ created: 4980, updated: 20 }],
  },
);

export const ProductParamsSchema = Type.Object({ sku: Type.String({ minLength: 1, maxLength: 128 }) });

export const ProductListQuerySchema = Type.Object({
  active: Type.Optional(Type.Boolean()),
  tag: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Products carrying this tag' })),
  barcode: Type.Optional(
    Type.String({ minLength: 1, maxLength: 14, description: 'The product with this GTIN' }),
  ),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Text within the SKU or name' })),
});
