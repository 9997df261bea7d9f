import Type, { type Static } from 'typebox';
import { stockStates } from '../../db/schema/inventory.js';

export const maxStateMoves = 1_000;

const State = (description: string) => Type.Enum(stockStates, { description });

export const StateMoveSchema = Type.Object(
  {
    reference: Type.String({
      minLength: 1,
      maxLength: 200,
      description:
        'Your id of this batch (an inspection, a damage report); a batch whose reference was already applied changes nothing',
    }),
    items: Type.Array(
      Type.Object(
        {
          sku: Type.String({ minLength: 1, maxLength: 128 }),
          location: Type.String({ minLength: 1, maxLength: 64 }),
          from: State(
            'The state the units leave: `sellable` takes only free units (on hand, not reserved, not damaged or in quality control)',
          ),
          to: State('The state they enter; must differ from `from`'),
          quantity: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: maxStateMoves },
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        reference: 'QC-NJ-DC-2026-11-28',
        items: [
          { sku: 'TSHIRT-BLK-M', location: 'NJ-DC', from: 'sellable', to: 'quality_control', quantity: 4 },
          { sku: 'MUG-1', location: 'NJ-DC', from: 'quality_control', to: 'damaged', quantity: 1 },
        ],
      },
    ],
  },
);
export type StateMove = Static<typeof StateMoveSchema>;
