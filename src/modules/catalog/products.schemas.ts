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

const KitComponent = Type.Object(
  {
    sku: Type.String({
      minLength: 1,
      maxLength: 128,
      description: 'A product in the kit (it may be a kit itself)',
    }),
    quantity: Type.Integer({ minimum: 1, maximum: 10_000, description: 'Units of it in one kit' }),
  },
  { additionalProperties: false },
);

export const KitInputSchema = Type.Object(
  {
    components: Type.Array(KitComponent, { minItems: 1, maxItems: 50 }),
    allow_split: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          "The kit's components may ship from different locations (by default one location ships a whole kit)",
      }),
    ),
  },
  {
    additionalProperties: false,
    description:
      'Makes the product a kit (a bundle): it holds no stock, a channel may sell as many as its components make at one location, and orders reserve, pick, ship and restock the components',
    examples: [
      {
        components: [
          { sku: 'MUG-WHT', quantity: 2 },
          { sku: 'COFFEE-250G', quantity: 1 },
        ],
      },
    ],
  },
);
export type KitInput = Static<typeof KitInputSchema>;

const KitSchema = Type.Object({
  components: Type.Array(Type.Object({ sku: Type.String(), quantity: Type.Integer() })),
  allow_split: Type.Boolean(),
});
export type Kit = Static<typeof KitSchema>;

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

const kitField = Type.Optional(
  Type.Union([KitInputSchema, Type.Null()], {
    description: 'The kit this product is, or null for a plain product',
  }),
);

const BulkProductSchema = Type.Object(
  { sku: fields.sku, name: fields.name, ...optionalFields },
  { additionalProperties: false, examples: [example] },
);

export const CreateProductSchema = Type.Object(
  { sku: fields.sku, name: fields.name, ...optionalFields, kit: kitField },
  { additionalProperties: false, examples: [example] },
);
export type CreateProduct = Static<typeof CreateProductSchema>;

export const UpdateProductSchema = Type.Object(
  { name: Type.Optional(fields.name), ...optionalFields, kit: kitField },
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
    kit: Type.Union([KitSchema, Type.Null()], { description: 'Its components when it is a kit' }),
    ...timestamps,
  },
  {
    title: 'Product',
    examples: [
      {
        ...example,
        active: true,
        kit: null,
        created_at: '2026-11-27T10:00:00.000Z',
        updated_at: '2026-11-27T10:00:00.000Z',
      },
    ],
  },
);
export type Product = Static<typeof ProductSchema>;

export const BulkProductsSchema = Type.Object(
  {
    products: Type.Array(BulkProductSchema, {
      minItems: 1,
      maxItems: maxBulkProducts,
      description:
        'Each listed product is created, or replaced as given (omitted fields take their defaults); a kit keeps its components (set them with `PATCH /v1/products/{sku}`)',
    }),
  },
  { additionalProperties: false, examples: [{ products: [example] }] },
);
export type BulkProducts = Static<typeof BulkProductsSchema>;
export type BulkProduct = Static<typeof BulkProductSchema>;

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
