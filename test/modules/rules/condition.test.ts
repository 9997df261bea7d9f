import { describe, expect, it } from 'vitest';
import { conditionErrors, type FactCatalog } from '../../../src/modules/rules/condition.js';

const catalog: FactCatalog = {
  names: ['units', 'tags', 'units_by_tag', 'country'],
  examples: [
    { units: 3, tags: ['cold'], units_by_tag: { cold: 3 }, country: 'US' },
    { units: 0, tags: [], units_by_tag: {}, country: '' },
  ],
};

const errors = (name: string) => conditionErrors({ '!!': { var: name } }, catalog);

describe('conditionErrors fact paths', () => {
  it('accepts fact names, array elements and entries of object facts', () => {
    for (const name of [
      'units',
      'tags',
      'tags.0',
      'tags.12',
      'units_by_tag',
      'units_by_tag.cold',
      'units_by_tag.x-y',
    ]) {
      expect(errors(name), name).toEqual([]);
    }
    expect(conditionErrors({ '>': [{ var: ['units_by_tag.perishable', 0] }, 2] }, catalog)).toEqual([]);
    expect(conditionErrors({ missing: ['units_by_tag.cold'] }, catalog)).toEqual([]);
  });

  it('refuses entries of facts that are not objects, deeper paths and inherited names', () => {
    for (const name of [
      'units.0',
      'units.cold',
      'country.length',
      'tags.x',
      'tags.0.length',
      'units_by_tag.cold.x',
      'units_by_tag.',
      'units_by_tag.constructor',
      'units_by_tag.__proto__',
      'units_by_tag.toString',
      'colour',
      'colour.red',
    ]) {
      expect(errors(name), name).toEqual([expect.stringContaining('is not a fact')]);
    }
  });

  it('does not treat an array fact as an object fact', () => {
    expect(errors('tags.cold')).toEqual([expect.stringContaining('"tags.cold" is not a fact')]);
  });
});
