// The routing trace recorded on an order, told in sentences an operator can repeat to a customer.

const strategyWords = {
  min_splits: 'fewest shipments',
  nearest: 'nearest to the customer',
  lowest_cost: 'lowest shipping cost',
  fastest: 'fastest delivery',
  location_priority: 'location priority',
  most_stock: 'most stock on hand',
};

const list = (items) =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;

/** Sentences (strings) explaining a trace; an empty list when the order was never routed. */
export function explainRouting(routing) {
  const trace = routing?.routing;
  if (!trace) {
    return ['This order has not been routed yet.'];
  }
  const lines = [];
  const rule = trace.rule?.index === null ? 'the fallback rule' : `rule “${trace.rule?.name}”`;
  lines.push(
    `Routing used ${rule} of the ${trace.rule_set?.scope === '*' ? 'default' : `“${trace.rule_set?.scope}”`} rule set (version ${trace.rule_set?.version}).`,
  );
  if (trace.ranking?.length) {
    lines.push(`It ranks plans by ${list(trace.ranking.map((s) => strategyWords[s] ?? s))}, in that order.`);
  }
  const split =
    trace.split?.policy === 'allowed' ? `up to ${trace.split.max_shipments} shipments` : 'one shipment only';
  lines.push(`Splitting: ${split}.`);
  const candidates = trace.candidates ?? [];
  const eligible = candidates.filter((c) => c.eligible).map((c) => c.location);
  lines.push(
    `${candidates.length} location${candidates.length === 1 ? ' was' : 's were'} considered; ${eligible.length ? `${list(eligible)} could ship it` : 'none could ship it'}.`,
  );
  for (const c of candidates.filter((c) => !c.eligible)) {
    lines.push(`${c.location} was left out: ${c.reasons.join('; ')}.`);
  }
  if (trace.chosen) {
    const km = trace.chosen.distance_km === null ? '' : `, ${trace.chosen.distance_km} km away`;
    lines.push(
      `Chosen: ${list(trace.chosen.locations)} — ${trace.chosen.shipments} shipment${trace.chosen.shipments === 1 ? '' : 's'}, ${trace.chosen.units} unit${trace.chosen.units === 1 ? '' : 's'}${km}.`,
    );
  }
  lines.push(`Why: ${trace.why}.`);
  if (trace.review) {
    lines.push(`Held for review: ${trace.review.reason}.`);
  }
  if (routing.promised_delivery_date) {
    lines.push(`Promised delivery: ${routing.promised_delivery_date}.`);
  }
  return lines;
}
