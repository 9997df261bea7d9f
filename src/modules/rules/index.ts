/** The rules module: JSONLogic conditions over named facts, checked before they are saved. */
export { asLogic, conditionErrors, type FactCatalog } from './condition.js';
