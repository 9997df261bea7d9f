import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { notFound } from '../../errors.js';
import { callerOf } from '../../http/auth.js';
import {
  RuleSetBodySchema,
  RuleSetParamsSchema,
  RuleSetSchema,
  SimulateSchema,
  SimulationSchema,
} from './routing.schemas.js';
import type { RoutingService } from './routing.service.js';
import type { RuleSet } from './rules.js';

const tags = ['Routing'];
const read = { scope: 'orders:read' as const };
const admin = { scope: 'admin' as const };

const present = (ruleSet: RuleSet & { createdAt: Date | null }) => ({
  scope: ruleSet.scope,
  version: ruleSet.version,
  created_at: ruleSet.createdAt?.toISOString() ?? null,
  ...ruleSet.body,
});

const listRuleSetsRoute = {
  config: read,
  schema: {
    operationId: 'listRoutingRuleSets',
    tags,
    summary: 'The rule set in force for each scope (channels with their own, and *)',
    response: {
      200: Type.Object(
        { data: Type.Array(RuleSetSchema) },
        {
          description: 'Current rule sets',
          examples: [{ data: (RuleSetSchema as { examples?: unknown[] }).examples ?? [] }],
        },
      ),
    },
  },
};

const getRuleSetRoute = {
  config: read,
  schema: {
    operationId: 'getRoutingRuleSet',
    tags,
    summary: 'The newest version of a scope’s rule set (* falls back to the built-in one)',
    params: RuleSetParamsSchema,
    response: { 200: { ...RuleSetSchema, description: 'The rule set' } },
  },
};

const replaceRuleSetRoute = {
  config: admin,
  schema: {
    operationId: 'replaceRoutingRuleSet',
    tags,
    summary: 'Save a new version of a channel’s (or *) routing rules; new orders use it at once',
    description:
      'Rules are tried in order; the first whose JSONLogic condition holds decides eligibility, ranking, split policy and cost review. The fallback applies when none matches.',
    params: RuleSetParamsSchema,
    body: RuleSetBodySchema,
    response: { 200: { ...RuleSetSchema, description: 'The saved version' } },
  },
};

const simulateRoute = {
  config: read,
  schema: {
    operationId: 'simulateRouting',
    tags,
    summary: 'Route an unsaved order against current stock and see the plan and why',
    body: SimulateSchema,
    response: { 200: SimulationSchema },
  },
};

export const routingRoutes: FastifyPluginAsyncTypebox<{ routing: RoutingService }> = async (
  app,
  { routing },
) => {
  app.get('/routing/rule-sets', listRuleSetsRoute, async () => ({
    data: (await routing.list()).map(present),
  }));
  app.get('/routing/rule-sets/:scope', getRuleSetRoute, async (request) => {
    const ruleSet = await routing.current(request.params.scope);
    if (!ruleSet) {
      throw notFound(`Routing rule set ${request.params.scope}`);
    }
    return present(ruleSet);
  });
  app.put('/routing/rule-sets/:scope', replaceRuleSetRoute, async (request) =>
    present(await routing.replace(request.params.scope, request.body, { apiKeyId: callerOf(request).keyId })),
  );
  app.post('/routing/simulate', simulateRoute, async (request) =>
    routing.simulate(request.body, callerOf(request)),
  );
};
