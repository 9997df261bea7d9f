import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generateOpenApiDocument } from '../src/openapi-document.js';

interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: unknown[];
  requestBody?: {
    content: Record<string, { example?: unknown; examples?: unknown; schema?: { examples?: unknown } }>;
  };
  responses: Record<
    string,
    { content?: Record<string, { example?: unknown; schema?: { examples?: unknown } }> }
  >;
}

const generated = await generateOpenApiDocument();
const document = JSON.parse(generated) as { paths: Record<string, Record<string, Operation>> };
const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({
    name: `${method.toUpperCase()} ${path}`,
    path,
    operation,
  })),
);

const hasExample = (media?: { example?: unknown; examples?: unknown; schema?: { examples?: unknown } }) =>
  media !== undefined &&
  (media.example !== undefined || media.examples !== undefined || media.schema?.examples !== undefined);

describe('the OpenAPI document', () => {
  it('is committed exactly as the code generates it (run `npm run openapi` after changing routes)', async () => {
    const committed = await readFile(new URL('../openapi/openapi.json', import.meta.url), 'utf8');
    expect(committed).toBe(generated);
  });

  it('covers the API', () => {
    expect(operations.length).toBeGreaterThan(20);
  });

  it.each(operations)('$name is complete', ({ path, operation }) => {
    expect(operation.operationId).toMatch(/^[a-z][A-Za-z]+$/);
    expect(operation.summary).toBeTruthy();
    expect(operation.tags?.length).toBeGreaterThan(0);
    expect(operation.security).toBeDefined();
    const statuses = Object.keys(operation.responses);
    expect(statuses).toContain('500');
    const signed = JSON.stringify(operation.security) === JSON.stringify([{ shopifyHmac: [] }]);
    if (signed) {
      // A channel's own deliveries (Shopify's webhooks): signed instead of keyed.
      expect(statuses).toContain('401');
    } else if (path.startsWith('/v1/track/')) {
      // A customer's order status: no key, a limit per client address instead.
      expect(operation.security).toEqual([]);
      expect(statuses).toEqual(expect.arrayContaining(['404', '429']));
    } else if (path.startsWith('/v1/')) {
      expect(operation.security).toEqual([{ apiKey: [] }]);
      expect(statuses).toEqual(expect.arrayContaining(['401', '429']));
    }
    for (const status of statuses.filter((s) => s.startsWith('4') || s.startsWith('5'))) {
      expect(operation.responses[status]?.content).toHaveProperty(['application/problem+json']);
    }
    const success = statuses.filter((s) => s.startsWith('2')).map((s) => operation.responses[s]);
    expect(success.length).toBeGreaterThan(0);
    const examples = [
      ...Object.values(operation.requestBody?.content ?? {}),
      ...success.flatMap((response) => Object.values(response?.content ?? {})),
    ];
    const noContent = success.every((response) => response?.content === undefined);
    expect(noContent || examples.some(hasExample)).toBe(true);
  });
});
