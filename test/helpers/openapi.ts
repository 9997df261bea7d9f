import type { FastifyInstance } from 'fastify';

/** A JSON Schema as the OpenAPI document carries it (the subset TypeBox emits). */
export interface Schema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  not?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  minProperties?: number;
  maxProperties?: number;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  default?: unknown;
  examples?: unknown[];
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: Schema;
}

/** One operation of the document, with what a test needs to call it. */
export interface Operation {
  /** `GET /v1/orders/{id}` */
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The path template, `/v1/orders/{id}`. */
  path: string;
  operationId: string;
  parameters: Parameter[];
  /** The JSON request body's schema, when the operation takes one. */
  body?: Schema;
  /** The body's examples from the document (first one first). */
  bodyExamples: unknown[];
  /** The scope the key needs (`x-required-scope`), or the scopes of which it needs one. */
  scope?: string;
  anyScope?: string[];
  /** Called with a signature instead of an API key (a channel's own deliveries: Shopify webhooks). */
  signed: boolean;
  /** Called by anyone with neither key nor signature (a customer's order status under /v1/track). */
  public: boolean;
}

interface RawOperation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: {
    content: Record<
      string,
      { schema?: Schema; example?: unknown; examples?: Record<string, { value: unknown }> }
    >;
  };
  'x-required-scope'?: string;
  'x-required-any-scope'?: string[];
  security?: Array<Record<string, unknown>>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, RawOperation>>;
}

/** The running app's OpenAPI document (the one `npm run openapi` commits). */
export const documentOf = (app: FastifyInstance) => app.swagger() as unknown as OpenApiDocument;

/** Every operation of the document, in document order. */
export function operationsOf(document: OpenApiDocument): Operation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, raw]) => {
      const json = raw.requestBody?.content['application/json'];
      const examples = [
        ...(json?.example === undefined ? [] : [json.example]),
        ...Object.values(json?.examples ?? {}).map((example) => example.value),
        ...(json?.schema?.examples ?? []),
      ];
      return {
        name: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase() as Operation['method'],
        path,
        operationId: raw.operationId,
        parameters: raw.parameters ?? [],
        ...(json?.schema ? { body: json.schema } : {}),
        bodyExamples: examples,
        ...(raw['x-required-scope'] ? { scope: raw['x-required-scope'] } : {}),
        ...(raw['x-required-any-scope'] ? { anyScope: raw['x-required-any-scope'] } : {}),
        signed: (raw.security ?? []).some(
          (scheme) => scheme.apiKey === undefined && Object.keys(scheme).length > 0,
        ),
        public: raw.security !== undefined && raw.security.length === 0,
      };
    }),
  );
}

/** The path with its `{name}` parameters replaced (each value percent-encoded). */
export const fillPath = (path: string, values: Record<string, string | number>) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) {
      throw new Error(`no value for {${name}} in ${path}`);
    }
    return encodeURIComponent(String(value));
  });

/** The names of a path template's parameters. */
export const pathParams = (path: string) => [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);

/**
 * Every schema inside `schema` with the JSON pointer (into the request part) where its values go;
 * array items are at `/0`. `visit` is called for each, outermost first.
 */
export function walkSchema(
  schema: Schema,
  visit: (schema: Schema, pointer: string) => void,
  pointer = '',
): void {
  visit(schema, pointer);
  for (const option of schema.anyOf ?? []) {
    walkSchema(option, visit, pointer);
  }
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    walkSchema(property, visit, `${pointer}/${name}`);
  }
  if (typeof schema.additionalProperties === 'object') {
    walkSchema(schema.additionalProperties, visit, `${pointer}/*`);
  }
  if (schema.items) {
    walkSchema(schema.items, visit, `${pointer}/0`);
  }
}

export const isIntegerSchema = (schema: Schema) =>
  schema.type === 'integer' || (Array.isArray(schema.type) && schema.type.includes('integer'));

export const isNumberSchema = (schema: Schema) =>
  isIntegerSchema(schema) ||
  schema.type === 'number' ||
  (Array.isArray(schema.type) && schema.type.includes('number'));
