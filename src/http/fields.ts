import Type from 'typebox';

/** Field schemas shared by many resources, so the same thing is validated the same way everywhere. */

export const Code = (description: string, example: string) =>
  Type.String({
    pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$',
    description: `${description}: 1-64 letters, digits, '_', '.' or '-'; immutable`,
    examples: [example],
  });

export const Text = (maxLength: number, description?: string) =>
  Type.String({ minLength: 1, maxLength, ...(description ? { description } : {}) });

export const Tags = Type.Array(Type.String({ pattern: '^[^\\s,]{1,64}$' }), {
  maxItems: 50,
  uniqueItems: true,
  description: 'Free-form labels (1-64 characters, no spaces or commas) that rules can match on',
});

export const Timestamp = Type.String({ format: 'date-time' });

/** A BCP 47 language tag (`en`, `fr-CA`, `zh-Hant-TW`). */
export const Locale = (description: string) =>
  Type.String({
    pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$',
    maxLength: 35,
    description,
    examples: ['fr-CA'],
  });

export const timestamps = { created_at: Timestamp, updated_at: Timestamp };

/** Integer limits PostgreSQL's `integer` can hold, so no value a client sends overflows a column. */
export const Count = (options: { maximum?: number; description?: string } = {}) =>
  Type.Integer({ minimum: 0, maximum: options.maximum ?? 1_000_000_000, ...options });

/** A row id or feed sequence (a PostgreSQL bigint), up to the largest integer JSON carries exactly. */
export const Id = (options: { minimum?: number; default?: number; description?: string } = {}) =>
  Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, ...options });

/** An amount in minor units (cents), as orders take it: up to a billion in major units. */
export const maxMoney = 100_000_000_000;
