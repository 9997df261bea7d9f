/** The allocation module: the only code that changes `reserved` and the reservations. */
export { type ConsumeResult, consume } from './consume.js';
export { defaultPlanner } from './default-planner.js';
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
  type HeldUnits,
  linesWithExpiredReservations,
  type Reservation,
} from './reservation-store.js';
export {
  candidatesFor,
  type ReservedUnits,
  type ReserveRequest,
  type ReserveResult,
  reserve,
} from './reserve.js';
