import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { callerOf } from '../../http/auth.js';
import { Page, pageQuery } from '../../http/pagination.js';
import {
  ChannelCodeParams,
  NotificationListQuery,
  NotificationParams,
  NotificationSchema,
  PutSettingsSchema,
  PutTemplateSchema,
  SettingsSchema,
  TemplateListSchema,
  TemplateParams,
  TemplateSchema,
} from './notifications.schemas.js';
import type { NotificationService } from './notifications.service.js';

const tags = ['Notifications'];
// Channel settings are channel configuration: the catalog scope writes (and reads) them.
const configure = { scope: 'catalog:write' as const };
const read = { scope: 'orders:read' as const };

const settingsRules =
  'delivery `event` (the default): Ordo only appends a `notification.requested` event per milestone, for ' +
  'your messaging system. delivery `smtp`: Ordo also e-mails the customer through the SMTP server given ' +
  '(needs `from` and `smtp`), retrying a failing server with backoff. The password is write-only.';

const getNotificationSettings = {
  config: configure,
  schema: {
    operationId: 'getNotificationSettings',
    tags,
    summary: 'How the channel’s customers hear about their orders (defaults until set)',
    params: ChannelCodeParams,
    response: { 200: { ...SettingsSchema, description: 'The settings; the SMTP password is never shown' } },
  },
};

const putNotificationSettings = {
  config: configure,
  schema: {
    operationId: 'putNotificationSettings',
    tags,
    summary: 'Set how the channel’s customers hear about their orders',
    description: settingsRules,
    params: ChannelCodeParams,
    body: PutSettingsSchema,
    response: { 200: { ...SettingsSchema, description: 'The settings' } },
  },
};

const listNotificationTemplates = {
  config: configure,
  schema: {
    operationId: 'listNotificationTemplates',
    tags,
    summary: 'The channel’s own templates (the built-in English ones apply to the rest)',
    params: ChannelCodeParams,
    response: {
      200: { ...TemplateListSchema, description: 'The channel’s templates' },
    },
  },
};

const getNotificationTemplate = {
  config: configure,
  schema: {
    operationId: 'getNotificationTemplate',
    tags,
    summary:
      'The wording a customer in this locale gets: the channel’s own (fr-CA, fr, channel default, en) or the built-in',
    params: TemplateParams,
    response: { 200: { ...TemplateSchema, description: 'The template used for this locale' } },
  },
};

const putNotificationTemplate = {
  config: configure,
  schema: {
    operationId: 'putNotificationTemplate',
    tags,
    summary: 'Word a template in a locale for the channel',
    description:
      'Text with `{{placeholder}}`s, nothing else; every placeholder must be one the template has (see `placeholders` in the answer, or docs/notifications.md). Values are HTML-escaped in `html`.',
    params: TemplateParams,
    body: PutTemplateSchema,
    response: { 200: { ...TemplateSchema, description: 'The template as stored' } },
  },
};

const deleteNotificationTemplate = {
  config: configure,
  schema: {
    operationId: 'deleteNotificationTemplate',
    tags,
    summary: 'Remove the channel’s wording in a locale (the fallback applies again)',
    params: TemplateParams,
    response: { 204: { type: 'null', description: 'Removed' } },
  },
};

const listNotifications = {
  config: read,
  schema: {
    operationId: 'listNotifications',
    tags,
    summary: 'Customer notifications, newest first, with their delivery state',
    querystring: Type.Object({ ...pageQuery, ...NotificationListQuery.properties }),
    response: { 200: { ...Page(NotificationSchema), description: 'A page of notifications' } },
  },
};

const getNotification = {
  config: read,
  schema: {
    operationId: 'getNotification',
    tags,
    summary: 'One customer notification',
    params: NotificationParams,
    response: { 200: { ...NotificationSchema, description: 'The notification' } },
  },
};

const retryNotification = {
  config: { scope: 'orders:write' as const },
  schema: {
    operationId: 'retryNotification',
    tags,
    summary: 'Send a failed (or waiting) e-mail again now, with a fresh set of attempts',
    params: NotificationParams,
    response: { 202: { ...NotificationSchema, description: 'The notification, due now' } },
  },
};

export const notificationRoutes: FastifyPluginAsyncTypebox<{ notifications: NotificationService }> = async (
  app,
  { notifications },
) => {
  const base = '/channels/:code';
  app.get(`${base}/notifications`, getNotificationSettings, async (request) =>
    notifications.getSettings(request.params.code, callerOf(request)),
  );
  app.put(`${base}/notifications`, putNotificationSettings, async (request) =>
    notifications.putSettings(request.params.code, request.body, callerOf(request)),
  );
  app.get(`${base}/notification-templates`, listNotificationTemplates, async (request) => ({
    data: await notifications.listTemplates(request.params.code, callerOf(request)),
  }));
  const template = `${base}/notification-templates/:template/:locale`;
  app.get(template, getNotificationTemplate, async (request) => {
    const { code, template: id, locale } = request.params;
    return notifications.getTemplate(code, id, locale, callerOf(request));
  });
  app.put(template, putNotificationTemplate, async (request) => {
    const { code, template: id, locale } = request.params;
    return notifications.putTemplate(code, id, locale, request.body, callerOf(request));
  });
  app.delete(template, deleteNotificationTemplate, async (request, reply) => {
    const { code, template: id, locale } = request.params;
    await notifications.removeTemplate(code, id, locale, callerOf(request));
    return reply.code(204).send(null);
  });
  app.get('/notifications', listNotifications, async (request) =>
    notifications.list(request.query, callerOf(request)),
  );
  app.get('/notifications/:id', getNotification, async (request) =>
    notifications.get(request.params.id, callerOf(request)),
  );
  app.post('/notifications/:id/retry', retryNotification, async (request, reply) =>
    reply.code(202).send(await notifications.retry(request.params.id, callerOf(request))),
  );
};
