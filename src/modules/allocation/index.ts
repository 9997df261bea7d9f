/** The allocation module: the only code that changes `reserved` and the reservations. */
export { consume } from './consume.js';
export { defaultPlanner } from './default-planner.js';
export { type FillSource, fillInOrder } from './fill.js';
export type { CandidateLocation, Demand, Plan, PlannedAllocation, Planner } from './plan.js';
export {
  forgetReleased,
  release,
  releaseExpired,
  releaseUnits,
  setReservationExpiry,
} from './release.js';
export {
  activeReservations,
  linesWithExpiredReservations,
  reservedUpdate,
} from './reservation-store.js';
export {
  candidatesFor,
  type PlannedReservations,
  planReservations,
  type ReservedUnits,
  reservationsInsert,
  reserve,
} from './reserve.js';
