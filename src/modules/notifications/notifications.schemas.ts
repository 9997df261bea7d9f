import Type, { type Static } from 'typebox';
import { notificationStatuses } from '../../db/schema/notifications.js';
import { Locale, Timestamp } from '../../http/fields.js';
import { templateIds } from './builtin-templates.js';

const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T, description?: string) =>
  Type.Union([schema, Type.Null()], description ? { description } : {});

const OneLine = (maxLength: number, description: string) =>
  Type.String({ minLength: 1, maxLength, pattern: '^[^\\r\\n]*$', description });

const Email = (description: string) => Type.String({ format: 'email', maxLength: 254, description });

export const ChannelCodeParams = Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }) });

const SmtpInput = Type.Object(
  {
    url: Type.Optional(
      Type.String({
        maxLength: 2000,
        pattern: '^smtps?://',
        description:
          'Instead of the fields below: `smtp://user:password@host:587` (STARTTLS when offered) or `smtps://…:465` (TLS); write-only like the password',
      }),
    ),
    host: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 253,
        pattern: '^[A-Za-z0-9.:\\[\\]-]+$',
        description: 'Host name or IP address of the SMTP server (or give `url`)',
      }),
    ),
    port: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 65535, description: 'Default 465 with `secure`, else 587' }),
    ),
    secure: Type.Boolean({
      default: false,
      description: 'TLS from the first byte (port 465); false: STARTTLS when the server offers it',
    }),
    require_tls: Type.Boolean({ default: false, description: 'Never send unless STARTTLS succeeds' }),
    user: Type.Optional(nullable(Type.String({ minLength: 1, maxLength: 254 }))),
    password: Type.Optional(
      nullable(
        Type.String({ minLength: 1, maxLength: 1024 }),
        'Write-only: never returned. Left out: the stored password is kept; null removes it',
      ),
    ),
  },
  { additionalProperties: false },
);

export const PutSettingsSchema = Type.Object(
  {
    delivery: Type.Enum(['event', 'smtp'], {
      default: 'event',
      description:
        'event: only the `notification.requested` event, for your messaging system; smtp: Ordo also e-mails the customer',
    }),
    from: Type.Optional(Email('The sender address (required with delivery smtp)')),
    from_name: Type.Optional(OneLine(200, 'The sender’s display name')),
    reply_to: Type.Optional(Email('Where the customer’s replies go')),
    default_locale: Type.Optional(Locale('Locale of customers whose order names none (default `en`)')),
    smtp: Type.Optional(SmtpInput),
  },
  {
    additionalProperties: false,
    examples: [
      {
        delivery: 'smtp',
        from: 'orders@shop.example',
        from_name: 'Example Shop',
        reply_to: 'help@shop.example',
        default_locale: 'en',
        smtp: { host: 'smtp.example.net', port: 587, user: 'orders', password: 's3cret' },
      },
    ],
  },
);
export type PutSettings = Static<typeof PutSettingsSchema>;

export const SettingsSchema = Type.Object(
  {
    channel: Type.String(),
    delivery: Type.Enum(['event', 'smtp']),
    from: nullable(Type.String()),
    from_name: nullable(Type.String()),
    reply_to: nullable(Type.String()),
    default_locale: Type.String(),
    smtp: nullable(
      Type.Object({
        host: Type.String(),
        port: Type.Integer(),
        secure: Type.Boolean(),
        require_tls: Type.Boolean(),
        user: nullable(Type.String()),
        password_set: Type.Boolean({ description: 'Whether a password is stored (it is never returned)' }),
      }),
    ),
    updated_at: nullable(Timestamp, 'Null: the channel uses the defaults'),
  },
  {
    title: 'NotificationSettings',
    examples: [
      {
        channel: 'web',
        delivery: 'smtp',
        from: 'orders@shop.example',
        from_name: 'Example Shop',
        reply_to: 'help@shop.example',
        default_locale: 'en',
        smtp: {
          host: 'smtp.example.net',
          port: 587,
          secure: false,
          require_tls: false,
          user: 'orders',
          password_set: true,
        },
        updated_at: '2026-11-27T10:00:00.000Z',
      },
    ],
  },
);
export type SettingsView = Static<typeof SettingsSchema>;

export const TemplateParams = Type.Object({
  code: Type.String({ minLength: 1, maxLength: 64 }),
  template: Type.Enum(templateIds, { description: 'The milestone the template words' }),
  locale: Locale('BCP 47 language tag, such as `fr` or `fr-CA`'),
});

export const PutTemplateSchema = Type.Object(
  {
    subject: OneLine(998, 'The subject line; `{{placeholders}}` allowed'),
    text: Type.String({ minLength: 1, maxLength: 100_000, description: 'The plain-text body' }),
    html: Type.Optional(
      nullable(
        Type.String({ minLength: 1, maxLength: 200_000 }),
        'The HTML body; every value put in it is HTML-escaped',
      ),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        subject: 'Votre commande {{order_number}} est expédiée',
        text: 'Bonjour {{customer_name}},\n\nSuivi : {{tracking_url}}\n\n{{status_link}}',
        html: '<p>Bonjour {{customer_name}},</p><p><a href="{{status_link}}">Votre commande</a></p>',
      },
    ],
  },
);
export type PutTemplate = Static<typeof PutTemplateSchema>;

const templateExample = {
  template: 'order_shipped',
  locale: 'fr-CA',
  source: 'channel',
  resolved_locale: 'fr',
  subject: 'Votre commande {{order_number}} est expédiée',
  text: 'Bonjour {{customer_name}},\n\nSuivi : {{tracking_url}}\n\n{{status_link}}',
  html: null,
  placeholders: ['customer_name', 'order_number', 'status_link', 'tracking_url'],
  updated_at: '2026-11-27T10:00:00.000Z',
};

export const TemplateSchema = Type.Object(
  {
    template: Type.Enum(templateIds),
    locale: Type.String({ description: 'The locale asked for' }),
    source: Type.Enum(['channel', 'builtin'], {
      description: 'channel: the channel’s own wording; builtin: Ordo’s English one',
    }),
    resolved_locale: Type.String({
      description: 'The locale of the wording used (after falling back: fr-CA, fr, the channel default, en)',
    }),
    subject: Type.String(),
    text: Type.String(),
    html: nullable(Type.String()),
    placeholders: Type.Array(Type.String(), { description: 'What `{{…}}` may name in this template' }),
    updated_at: nullable(Timestamp),
  },
  {
    title: 'NotificationTemplate',
    examples: [templateExample],
  },
);

export const TemplateListSchema = Type.Object(
  { data: Type.Array(TemplateSchema) },
  { examples: [{ data: [templateExample] }] },
);
export type TemplateView = Static<typeof TemplateSchema>;

export const NotificationSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    order_id: Type.String({ format: 'uuid' }),
    order_number: Type.Integer(),
    channel: Type.String(),
    template: Type.Enum(templateIds),
    locale: Type.String(),
    recipient: Type.Object({ email: Type.String(), name: nullable(Type.String()) }),
    status_link: nullable(Type.String()),
    delivery: Type.Enum(['event', 'smtp']),
    status: Type.Enum(notificationStatuses, {
      description:
        'requested: handed to your messaging system (delivery event); pending: Ordo is sending it; sent; failed: every attempt failed',
    }),
    attempts: Type.Integer(),
    next_attempt_at: nullable(Timestamp),
    last_error: nullable(Type.String()),
    message_id: nullable(Type.String()),
    sent_at: nullable(Timestamp),
    data: Type.Record(Type.String(), Type.Unknown()),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  {
    title: 'Notification',
    examples: [
      {
        id: '8d2c6a51-0f3e-4b7a-9c1d-2e3f4a5b6c7d',
        order_id: '5b1e8f0a-6c39-4f7e-9a0b-2d4c6e8f1a3b',
        order_number: 100042,
        channel: 'web',
        template: 'order_shipped',
        locale: 'en',
        recipient: { email: 'ada@example.com', name: 'Ada Lovelace' },
        status_link: 'https://shop.example/track/4BZzH0BvRxuml_aLCYGwVgAAAAFm',
        delivery: 'smtp',
        status: 'pending',
        attempts: 1,
        next_attempt_at: '2026-11-27T10:01:00.000Z',
        last_error: 'EENVELOPE: 451: 4.3.0 Try again later',
        message_id: null,
        sent_at: null,
        data: { order: { id: '5b1e8f0a-6c39-4f7e-9a0b-2d4c6e8f1a3b', number: 100042 } },
        created_at: '2026-11-27T10:00:00.000Z',
        updated_at: '2026-11-27T10:00:00.000Z',
      },
    ],
  },
);
export type NotificationView = Static<typeof NotificationSchema>;

export const NotificationListQuery = Type.Object({
  order_id: Type.Optional(Type.String({ format: 'uuid' })),
  status: Type.Optional(Type.Enum(notificationStatuses)),
  channel: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  template: Type.Optional(Type.Enum(templateIds)),
});
export type NotificationListFilters = Static<typeof NotificationListQuery>;

export const NotificationParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
