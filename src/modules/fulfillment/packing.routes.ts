import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerOf } from '../../http/auth.js';
import { PackingRuleSetSchema, packingFactList, ReplacePackingRulesSchema } from './packing.schemas.js';
import type { PackingRuleService, StoredPackingRuleSet } from './packing.service.js';

const tags = ['Rules'];

/** The API shows a rule set flat: version, rules, carrier_preferences, created_at, facts. */
const withFacts = ({ version, body, created_at }: StoredPackingRuleSet) => ({
  version,
  ...body,
  created_at,
  facts: packingFactList,
});

const getPackingRules = {
  config: { scope: 'orders:read' as const },
  schema: {
    operationId: 'getPackingRules',
    tags,
    summary: 'Get the packing rule set in force',
    description:
      'The newest version, or the built-in default (version 0: no rules, no carrier preferences) when none was saved. Lists the shipment facts conditions and quantities can read.',
    response: { 200: { ...PackingRuleSetSchema, description: 'The packing rule set in force' } },
  },
};

const replacePackingRules = {
  config: { scope: 'admin' as const },
  schema: {
    operationId: 'replacePackingRules',
    tags,
    summary: 'Save a new version of the packing rules and carrier preferences',
    description:
      'When a shipment is packed, every rule whose JSONLogic condition holds on its facts adds its instructions and materials (quantities computed from the facts) to the shipment and its pick list; the first carrier preference whose condition holds steers rate shopping to its carrier when that costs at most `tolerance` more than the cheapest option that keeps the promise. Each save is a new version (older ones are kept); other processes pick it up within a second. Every problem (unknown facts or operators, conditions that fail on shipment facts, quantities that are not a number, repeated names) is listed by pointer and nothing is saved.',
    body: ReplacePackingRulesSchema,
    response: { 200: { ...PackingRuleSetSchema, description: 'The new version, now in force' } },
  },
};

export const packingRoutes: FastifyPluginAsyncTypebox<{ packing: PackingRuleService }> = async (
  app,
  { packing },
) => {
  app.get('/rules/packing', getPackingRules, async () => withFacts(await packing.current()));
  app.put('/rules/packing', replacePackingRules, async (request) =>
    withFacts(await packing.replace(request.body, { apiKeyId: callerOf(request).keyId })),
  );
};
