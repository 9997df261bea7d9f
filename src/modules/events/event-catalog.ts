import type { OpenAPIV3, OpenAPIV3_1 } from 'openapi-types';
import type { TSchema } from 'typebox';
import type { Scope } from '../../http/caller.js';
import { TypedEventSchema } from './events.schemas.js';

/** What one event type is: who may read it, what it means, and the shape of its `data`. */
export interface EventTypeDefinition {
  /** The scope that reads this type in the feed (`admin` reads every type). */
  scope: Scope;
  summary: string;
  data: TSchema;
}

/** The event types one module emits, by type name (`order.created`), in the order the documents list them. */
export type EventTypeDefinitions = Readonly<Record<string, EventTypeDefinition>>;

/** The type names of every set (a union over the sets, not only the names they share). */
type TypeNamesOf<Sets extends readonly EventTypeDefinitions[]> = Sets[number] extends infer One
  ? One extends EventTypeDefinitions
    ? Extract<keyof One, string>
    : never
  : never;

/** Every event type Ordo emits, composed from the modules that emit them. */
export interface EventCatalog<Type extends string = string> {
  /** The known types, sorted. */
  readonly types: readonly Type[];
  isEventType(type: string): type is Type;
  /** Why a pattern cannot be used, or undefined when it matches at least one known type. */
  patternProblem(pattern: string): string | undefined;
  /** The known types any of `patterns` matches. */
  typesMatching(patterns: readonly string[]): Type[];
  /** The event types a key with these scopes may read. */
  typesReadableWith(scopes: readonly Scope[]): readonly Type[];
  definitionOf(type: string): EventTypeDefinition | undefined;
  /** The OpenAPI `webhooks` section (one entry per event type, with the exact body a receiver gets) and its schemas. */
  webhookDocument(): EventWebhookDocument;
}

export interface EventWebhookDocument {
  webhooks: Record<string, OpenAPIV3_1.PathItemObject>;
  schemas: Record<string, OpenAPIV3_1.SchemaObject>;
}

/** `*` matches every type, `order.*` every type starting `order.`, anything else exactly that type. */
export function matchesPattern(pattern: string, type: string): boolean {
  if (pattern === '*') {
    return true;
  }
  return pattern.endsWith('.*') ? type.startsWith(pattern.slice(0, -1)) : pattern === type;
}

/**
 * The catalog of every module's event types: `definitions` in the order the OpenAPI `webhooks` section
 * lists them, and `shared` the schemas many payloads embed, named once in `components.schemas` so a
 * generated client has one type for them (one Order for every order event rather than one per type).
 * A type declared twice is refused: two modules would otherwise disagree on what it carries.
 */
export function createEventCatalog<const Sets extends readonly EventTypeDefinitions[]>(
  definitions: Sets,
  shared: Readonly<Record<string, TSchema>> = {},
): EventCatalog<TypeNamesOf<Sets>> {
  type Type = TypeNamesOf<Sets>;
  const registry = new Map<string, EventTypeDefinition>();
  for (const set of definitions) {
    for (const [type, definition] of Object.entries(set)) {
      if (registry.has(type)) {
        throw new Error(`Event type "${type}" is declared twice`);
      }
      registry.set(type, definition);
    }
  }
  const types = Object.freeze([...registry.keys()].sort() as Type[]);
  const isEventType = (type: string): type is Type => registry.has(type);

  return {
    types,
    isEventType,
    patternProblem(pattern) {
      if (pattern === '*' || isEventType(pattern)) {
        return undefined;
      }
      if (pattern.endsWith('.*') && types.some((type) => matchesPattern(pattern, type))) {
        return undefined;
      }
      return pattern.includes('*')
        ? `"${pattern}" matches no event type; use \`*\`, a family such as \`order.*\`, or an exact type`
        : `"${pattern}" is not an event type; the types are ${types.join(', ')}`;
    },
    typesMatching: (patterns) =>
      types.filter((type) => patterns.some((pattern) => matchesPattern(pattern, type))),
    typesReadableWith: (scopes) =>
      scopes.includes('admin')
        ? types
        : types.filter((type) => {
            const scope = registry.get(type)?.scope;
            return scope !== undefined && scopes.includes(scope);
          }),
    definitionOf: (type) => registry.get(type),
    webhookDocument: () => ({
      webhooks: eventWebhooks(registry, shared),
      schemas: JSON.parse(JSON.stringify(shared)),
    }),
  };
}

const header = (description: string, example: string) => ({
  required: true,
  description,
  schema: { type: 'string' as const },
  example,
});

const standardWebhookHeaders = [
  {
    name: 'webhook-id',
    in: 'header',
    ...header(
      'The event id: the same on every retry and replay; deduplicate by it',
      '0b7d3c1e-2f4a-4b5c-8d6e-7f8091a2b3c4',
    ),
  },
  {
    name: 'webhook-timestamp',
    in: 'header',
    ...header('Unix seconds when this attempt was signed', '1795766402'),
  },
  {
    name: 'webhook-signature',
    in: 'header',
    ...header(
      'Space-separated `v1,<base64 HMAC-SHA256>` signatures of `<id>.<timestamp>.<body>` (two during a secret rotation); verify with a Standard Webhooks library',
      'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
    ),
  },
] as const;

/**
 * `schema` as plain JSON, with every copy of a shared schema replaced by a reference to it. (Typed as
 * openapi-types' 3.0 schema: its 3.1 PathItemObject still expects those in media types.)
 */
function withReferences(
  schema: unknown,
  shared: Readonly<Record<string, TSchema>>,
): OpenAPIV3.SchemaObject | OpenAPIV3.ReferenceObject {
  let json = JSON.stringify(schema);
  for (const [name, sharedSchema] of Object.entries(shared)) {
    json = json.replaceAll(
      JSON.stringify(sharedSchema),
      JSON.stringify({ $ref: `#/components/schemas/${name}` }),
    );
  }
  return JSON.parse(json);
}

function eventWebhooks(
  registry: ReadonlyMap<string, EventTypeDefinition>,
  shared: Readonly<Record<string, TSchema>>,
): Record<string, OpenAPIV3_1.PathItemObject> {
  return Object.fromEntries(
    [...registry].map(([type, definition]) => [
      type,
      {
        post: {
          operationId: `${type.replace(/[._]([a-z])/g, (_m, c: string) => c.toUpperCase())}Webhook`,
          tags: ['Webhooks'],
          summary: definition.summary,
          description: `Sent to subscriptions matching \`${type}\` (or its family, or \`*\`). Answer 2xx quickly; anything else is retried.`,
          security: [],
          parameters: [...standardWebhookHeaders],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: withReferences(TypedEventSchema(type, definition.data, definition.summary), shared),
              },
            },
          },
          responses: {
            '200': { description: 'Received (any 2xx counts); 410 disables the subscription' },
          },
        },
      },
    ]),
  );
}
