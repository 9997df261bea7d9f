import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { callerOf } from '../../http/auth.js';
import { Page, pageQuery } from '../../http/pagination.js';
import {
  AlertListQuerySchema,
  AlertParamsSchema,
  AlertRuleSetSchema,
  AlertSchema,
  ReplaceAlertRulesSchema,
} from './alerts.schemas.js';
import type { AlertService } from './alerts.service.js';

const tags = ['Alerts'];
const read = { scope: 'orders:read' as const };

const visibility =
  'A channel-bound key sees only alerts about its channel’s orders, shipments, holds and webhook subscriptions; alerts about locations and stock levels (which serve every channel) only unbound keys see.';

const getAlertRules = {
  config: read,
  schema: {
    operationId: 'getAlertRules',
    tags,
    summary: 'Get the alert rule set in force',
    description:
      'The newest version, or the built-in default set (version 0) when none was saved. The `alerts` worker of each process evaluates it every `ORDO_ALERTS_INTERVAL_MS` (30 s by default).',
    response: { 200: { ...AlertRuleSetSchema, description: 'The alert rule set in force' } },
  },
};

const replaceAlertRules = {
  config: { scope: 'admin' as const },
  schema: {
    operationId: 'replaceAlertRules',
    tags,
    summary: 'Save a new version of the alert rules',
    description:
      'Each rule has a stable `id` (the `rule` of the alerts it raises), a `kind` and the parameters of that kind. Each save is a new version (older ones are kept) and applies from the next evaluation: alerts of rules removed, disabled or given another kind are resolved then. A negative duration, an unknown status, kind, queue, channel or location, a parameter the kind does not take, or a duplicate id is a 422 naming the field, and nothing is saved.',
    body: ReplaceAlertRulesSchema,
    response: { 200: { ...AlertRuleSetSchema, description: 'The new version, now in force' } },
  },
};

const listAlerts = {
  config: read,
  schema: {
    operationId: 'listAlerts',
    tags,
    summary: 'List alerts, newest first, by rule, kind, status, subject or channel',
    description: visibility,
    querystring: Type.Object({ ...pageQuery, ...AlertListQuerySchema.properties }),
    response: { 200: { ...Page(AlertSchema), description: 'A page of alerts' } },
  },
};

const getAlert = {
  config: read,
  schema: {
    operationId: 'getAlert',
    tags,
    summary: 'Get an alert',
    description: visibility,
    params: AlertParamsSchema,
    response: { 200: { ...AlertSchema, description: 'The alert' } },
  },
};

const acknowledgeAlert = {
  config: { scope: 'orders:write' as const },
  schema: {
    operationId: 'acknowledgeAlert',
    tags,
    summary: 'Acknowledge an open alert: someone is on it',
    description:
      'open -> acknowledged, with an `alert.acknowledged` event; an acknowledged alert is returned unchanged; a resolved one is a 409. Either way the alert resolves by itself once its condition clears.',
    params: AlertParamsSchema,
    response: { 200: { ...AlertSchema, description: 'The acknowledged alert' } },
  },
};

export const alertRoutes: FastifyPluginAsyncTypebox<{ alerts: AlertService }> = async (app, { alerts }) => {
  app.get('/alerts/rules', getAlertRules, async () => alerts.currentRules());
  app.put('/alerts/rules', replaceAlertRules, async (request) =>
    alerts.replaceRules(request.body.rules, { apiKeyId: callerOf(request).keyId }),
  );
  app.get('/alerts', listAlerts, async (request) => alerts.list(request.query, callerOf(request)));
  app.get('/alerts/:id', getAlert, async (request) => alerts.get(request.params.id, callerOf(request)));
  app.post('/alerts/:id/acknowledge', acknowledgeAlert, async (request) =>
    alerts.acknowledge(request.params.id, callerOf(request)),
  );
};
