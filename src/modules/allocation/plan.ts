/** One line of demand: `key` is the order line that will hold the units (an index in simulations). */
export interface Demand {
  key: number;
  productId: number;
  quantity: number;
  /**
   * A component of a kit that ships whole from one location: `key` names the kit (its order line),
   * `per` the units of this component in one kit. The planner takes such lines in whole kits.
   */
  kit?: { key: number; per: number };
}

/** A location that may ship for the channel, with what it can sell now of each product (after locking). */
export interface CandidateLocation {
  locationId: number;
  code: string;
  priority: number;
  available: ReadonlyMap<number, number>;
}

export interface PlannedAllocation {
  key: number;
  productId: number;
  locationId: number;
  quantity: number;
}

export interface Plan {
  allocations: PlannedAllocation[];
  /** Demand no location could cover. */
  unfilled: Array<{ key: number; productId: number; quantity: number }>;
}

/**
 * Decides where each line's units come from. A planner only chooses; the reservation engine
 * re-checks every allocation against the locked rows, so a planner cannot oversell.
 */
export type Planner = (input: { demand: Demand[]; candidates: CandidateLocation[] }) => Plan;
