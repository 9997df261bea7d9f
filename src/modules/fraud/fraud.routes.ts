import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerOf } from '../../http/auth.js';
import { FraudRuleSetSchema, factList, ReplaceFraudRulesSchema } from './fraud.schemas.js';
import type { FraudService, StoredFraudRuleSet } from './fraud.service.js';

const tags = ['Rules'];

const withFacts = (set: StoredFraudRuleSet) => ({ ...set, facts: factList });

export const fraudRoutes: FastifyPluginAsyncTypebox<{ fraud: FraudService }> = async (app, { fraud }) => {
  app.get(
    '/rules/fraud',
    {
      config: { scope: 'orders:read' },
      schema: {
        operationId: 'getFraudRules',
        tags,
        summary: 'Get the fraud rule set in force',
        description:
          'The newest version, or the built-in default (version 0: no rules, review at 50, reject at 100) when none was saved. Lists the order facts conditions can read.',
        response: { 200: { ...FraudRuleSetSchema, description: 'The fraud rule set in force' } },
      },
    },
    async () => withFacts(await fraud.current()),
  );

  app.put(
    '/rules/fraud',
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'replaceFraudRules',
        tags,
        summary: 'Save a new version of the fraud rule set',
        description:
          'Every rule whose JSONLogic condition holds for an order adds its weight to the score; the thresholds turn the score into accept, review or reject. Each save is a new version (older ones are kept); other processes pick it up within a second. Invalid conditions (unknown facts or operators, conditions that fail on order facts) are listed by pointer and nothing is saved.',
        body: ReplaceFraudRulesSchema,
        response: { 200: { ...FraudRuleSetSchema, description: 'The new version, now in force' } },
      },
    },
    async (request) => withFacts(await fraud.replace(request.body, { apiKeyId: callerOf(request).keyId })),
  );
};
