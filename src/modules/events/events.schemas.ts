import Type, { type Static, type TSchema } from 'typebox';
import { Id, Timestamp } from '../../http/fields.js';

export const maxFeedWaitSeconds = 30;

/** Who caused an event (src/actor.ts fills it in): an API key, a channel connector, or an Ordo worker. */
export const ActorSchema = Type.Object(
  {
    type: Type.Enum(['api_key', 'connector', 'system'], {
      description:
        '`api_key`: a request made with a key; `connector`: a channel connector; `system`: an Ordo worker',
    }),
    id: Type.Union([Type.String(), Type.Null()], {
      description: 'The API key’s (or connector’s) id; null for `system`',
    }),
    name: Type.String({
      description:
        'The key’s name, the connector’s, or the worker’s: release, backorders, reservation-expiry, exchanges, webhook-dispatcher, … (`unknown` for events written before actors were recorded)',
    }),
    request_id: Type.Union([Type.String(), Type.Null()], {
      description: 'The request that caused it (its `x-request-id`); null for workers',
    }),
  },
  {
    description: 'Who caused the event',
    examples: [
      {
        type: 'api_key',
        id: '9c2f5e1a-3b4d-4e6f-8a7b-0c1d2e3f4a5b',
        name: 'storefront',
        request_id: 'b7f3c1de-4a2b-4c8d-9e0f-1a2b3c4d5e6f',
      },
    ],
  },
);
export type ActorView = Static<typeof ActorSchema>;

const eventFields = {
  id: Type.String({
    format: 'uuid',
    description: 'Unique per event; also the `webhook-id` of its deliveries, so deduplicate by it',
  }),
  type: Type.String({ description: 'The event type, e.g. `order.created`' }),
  sequence: Type.Integer({
    minimum: 1,
    description:
      'Position in the global feed: increasing, with gaps. An event committed later never gets a lower sequence than one already visible, so `after=<last sequence seen>` never skips an event',
  }),
  occurred_at: Timestamp,
  resource_type: Type.String({ description: 'What the event is about: order, availability, …' }),
  resource_id: Type.String({ description: 'The id of that resource' }),
  channel: Type.Union([Type.String(), Type.Null()], {
    description: 'The channel the event concerns, if any',
  }),
  actor: ActorSchema,
};

const eventExample = {
  id: '0b7d3c1e-2f4a-4b5c-8d6e-7f8091a2b3c4',
  type: 'order.cancelled',
  sequence: 4711,
  occurred_at: '2026-11-27T10:00:02.000Z',
  resource_type: 'order',
  resource_id: '5b1e8f0a-6c39-4f7e-9a0b-2d4c6e8f1a3b',
  channel: 'web',
  actor: {
    type: 'api_key',
    id: '9c2f5e1a-3b4d-4e6f-8a7b-0c1d2e3f4a5b',
    name: 'customer service',
    request_id: 'b7f3c1de-4a2b-4c8d-9e0f-1a2b3c4d5e6f',
  },
  data: { reason: 'customer request', order: { id: '5b1e8f0a-6c39-4f7e-9a0b-2d4c6e8f1a3b', number: 100042 } },
};

export const EventSchema = Type.Object(
  {
    ...eventFields,
    data: Type.Record(Type.String(), Type.Unknown(), {
      description: 'A snapshot of the resource; its shape per type is in the OpenAPI `webhooks` section',
    }),
  },
  { title: 'Event', examples: [eventExample] },
);
export type EventBody = Static<typeof EventSchema>;

/** The event of one type, with its `data` schema: what a webhook of that type carries. */
export const TypedEventSchema = (type: string, data: TSchema, summary: string) =>
  Type.Object({ ...eventFields, type: Type.Literal(type), data }, { title: type, description: summary });

const typeList = '^(\\*|[a-z_]+(\\.[a-z_]+)*(\\.\\*)?)(,(\\*|[a-z_]+(\\.[a-z_]+)*(\\.\\*)?))*$';

export const FeedQuerySchema = Type.Object({
  after: Id({
    minimum: 0,
    default: 0,
    description:
      'Return events with a higher `sequence`: the `next_after` of the previous page (0: from the start)',
  }),
  types: Type.Optional(
    Type.String({
      maxLength: 1000,
      pattern: typeList,
      description: 'Comma-separated event types or families: `order.*,inventory.shortfall`; `*` for all',
      examples: ['order.*,inventory.shortfall'],
    }),
  ),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100, description: 'Events per page' }),
  wait: Type.Integer({
    minimum: 0,
    maximum: maxFeedWaitSeconds,
    default: 0,
    description:
      'Long-poll: when no event is newer than `after`, wait up to this many seconds for one before answering',
  }),
});
export type FeedQuery = Static<typeof FeedQuerySchema>;

export const FeedPageSchema = Type.Object(
  {
    data: Type.Array(EventSchema),
    next_after: Type.Integer({
      minimum: 0,
      description:
        'Pass as `after` for the next page. It can move past the last event returned: every event up to it has been examined',
    }),
    has_more: Type.Boolean({ description: 'More matching events may be waiting: ask again at once' }),
  },
  { examples: [{ data: [eventExample], next_after: 4711, has_more: false }] },
);
export type FeedPage = Static<typeof FeedPageSchema>;
