import Type from 'typebox';

/** What an order line shows of kits: set on a kit's line, or on one of its components. */
export const kitLineFields = {
  kit: Type.Union([Type.Object({ allow_split: Type.Boolean() }), Type.Null()], {
    description:
      "Set on a kit's line: it holds no stock itself; its quantities count the whole kits its component lines make",
  }),
  kit_line_number: Type.Union([Type.Integer(), Type.Null()], {
    description:
      "On a kit's component: the kit's line (a component line is priced 0 and is what reserves, ships and restocks)",
  }),
  units_per_kit: Type.Union([Type.Integer(), Type.Null()], {
    description: 'On a kit component: its units in one kit',
  }),
};
