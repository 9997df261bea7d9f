/**
 * How long a hold may stay open in each queue before it is past its SLA, in hours: the defaults the
 * holds report measures against (and names in every row). A queue not listed gets `otherQueueSlaHours`.
 */
export const holdQueueSlaHours: Readonly<Record<string, number>> = {
  payments: 4,
  fraud_review: 4,
  routing_review: 4,
  address_review: 8,
  inventory: 24,
  customer_service: 24,
  // An account over its limit or overdue: released by a payment, which finance chases within a day.
  credit: 24,
  returns: 48,
};

export const otherQueueSlaHours = 24;

export const slaHoursOf = (queue: string) => holdQueueSlaHours[queue] ?? otherQueueSlaHours;
