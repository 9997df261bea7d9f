import { describe, expect, it } from 'vitest';
import { generateOpenApiDocument } from '../../src/openapi-document.js';
import { isNumberSchema, type OpenApiDocument, operationsOf, walkSchema } from '../helpers/openapi.js';

/**
 * A number a client sends without an upper bound reaches SQL (interval arithmetic, integer columns)
 * and JavaScript (dates, safe integers) at sizes they cannot hold: `1e999`, 9999999999999999. Every
 * number a request carries, in its path, query or body, has a maximum, so such values are a 422.
 */
const document = JSON.parse(await generateOpenApiDocument()) as OpenApiDocument;
const operations = operationsOf(document);

function unbounded(): string[] {
  const found: string[] = [];
  for (const operation of operations) {
    const check = (root: Parameters<typeof walkSchema>[0], where: string) =>
      walkSchema(root, (schema, pointer) => {
        if (isNumberSchema(schema) && schema.maximum === undefined && schema.exclusiveMaximum === undefined) {
          found.push(`${operation.name} ${where}${pointer}`);
        }
      });
    for (const parameter of operation.parameters) {
      check(parameter.schema, `${parameter.in}:${parameter.name}`);
    }
    if (operation.body) {
      check(operation.body, 'body:');
    }
  }
  return found;
}

describe('numbers in requests', () => {
  it('all have a maximum (path, query and body)', () => {
    expect(unbounded()).toEqual([]);
  });

  it('are found by the walk (it sees query integers, path ids and nested body fields)', () => {
    const seen: string[] = [];
    for (const operation of operations) {
      for (const parameter of operation.parameters) {
        walkSchema(parameter.schema, (schema) => {
          if (isNumberSchema(schema)) {
            seen.push(`${operation.name} ${parameter.in}:${parameter.name}`);
          }
        });
      }
      if (operation.body) {
        walkSchema(operation.body, (schema, pointer) => {
          if (isNumberSchema(schema)) {
            seen.push(`${operation.name} body:${pointer}`);
          }
        });
      }
    }
    expect(seen).toEqual(
      expect.arrayContaining([
        'GET /v1/holds query:older_than_minutes',
        'GET /v1/events query:after',
        'POST /v1/pick-lists/{id}/confirm path:id',
        'POST /v1/orders/{id}/cancel body:/lines/0/line_id',
      ]),
    );
  });
});
