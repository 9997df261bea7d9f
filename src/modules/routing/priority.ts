/**
 * How urgent an order is, a routing fact that also orders the backorder and release queues: service
 * level first (same-day before express before standard), then the channel's priority.
 */
export const orderPriority = (serviceLevel: string, channelPriority: number) =>
  (({ same_day: 2000, express: 1000 })[serviceLevel] ?? 0) + channelPriority;
