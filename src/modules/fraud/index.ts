/** The fraud module: the saved rule set and the pure scoring of an order's facts against it. */
export {
  evaluateFraud,
  type FraudAssessment,
  type FraudFacts,
  type FraudRuleSet,
} from './evaluate.js';
export { fraudRoutes } from './fraud.routes.js';
export { createFraudService, type FraudService } from './fraud.service.js';
