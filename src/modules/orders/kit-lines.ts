import type { Demand } from '../allocation/index.js';
import type { KitMakeup } from '../catalog/index.js';
import { unallocated } from './order-state.js';
import { type LineRow, quantitiesOf } from './order-store.js';

/**
 * Kit lines. A kit's line carries the price and what the customer sees; each component is a line of
 * its own (price 0, `kitLineNumber` naming the kit's line) that reserves, ships and restocks like any
 * other. The kit's quantities are the whole kits its components make: the database keeps them with a
 * trigger (order_kit_rollup, migration 0017); `rollUpKits` is the same rule for lines in memory.
 */

type Line = Omit<LineRow, 'id' | 'orderId'>;

export const isKit = (line: Pick<LineRow, 'kitSplit'>) => line.kitSplit !== null;

/** The order's lines followed by a line per component of each kit line, numbered after them. */
export function withComponentLines(
  lines: Line[],
  makeupOf: (productId: number) => KitMakeup | undefined,
): Line[] {
  let next = lines.length;
  const components = lines.flatMap((line) => {
    const makeup = makeupOf(line.productId);
    return (makeup?.parts ?? []).map(
      (part): Line => ({
        ...line,
        lineNumber: ++next,
        productId: part.productId,
        sku: part.sku,
        quantity: line.quantity * part.quantity,
        unitPrice: 0,
        taxAmount: 0,
        quantityCancelled: line.quantityCancelled * part.quantity,
        kitSplit: null,
        kitLineNumber: line.lineNumber,
        unitsPerKit: part.quantity,
      }),
    );
  });
  return [
    ...lines.map((line) => {
      const makeup = makeupOf(line.productId);
      return makeup ? { ...line, kitSplit: makeup.split } : line;
    }),
    ...components,
  ];
}

/** The kit lines' quantities from their components: whole kits cancelled, shipped, ready, waiting. */
export function rollUpKits<T extends Line>(lines: T[]): T[] {
  if (!lines.some(isKit)) {
    return lines;
  }
  return lines.map((line) => {
    const parts = lines.filter((part) => part.kitLineNumber === line.lineNumber);
    if (!isKit(line) || parts.length === 0) {
      return line;
    }
    const whole = (units: (part: Line) => number) =>
      Math.min(...parts.map((part) => Math.floor(units(part) / (part.unitsPerKit ?? 1))));
    const cancelled = whole((part) => part.quantityCancelled);
    const shipped = whole((part) => part.quantityShipped);
    const ready = whole((part) => part.quantityAllocated + part.quantityShipped);
    const waiting = parts.some((part) => part.quantityBackordered > 0);
    return {
      ...line,
      quantityCancelled: cancelled,
      quantityShipped: shipped,
      quantityAllocated: ready - shipped,
      quantityBackordered: waiting ? line.quantity - cancelled - ready : 0,
    };
  });
}

/** The component lines of a kit line, each with its units per kit. */
export const componentsOf = <T extends Pick<LineRow, 'kitLineNumber'>>(
  lines: T[],
  kit: { lineNumber: number },
) => lines.filter((line) => line.kitLineNumber === kit.lineNumber);

/**
 * What the lines still need of stock: every line but a kit's own, each unit not yet reserved. The
 * components of a kit that ships from one location are grouped, so the planner takes whole kits.
 */
export function stockDemand(lines: LineRow[]): Demand[] {
  const wholeKits = new Map(
    lines.filter((line) => line.kitSplit === false).map((kit) => [kit.lineNumber, kit.id]),
  );
  return lines
    .filter((line) => !isKit(line) && unallocated(quantitiesOf(line)) > 0)
    .map((line) => {
      const kit = line.kitLineNumber === null ? undefined : wholeKits.get(line.kitLineNumber);
      return {
        key: line.id,
        productId: line.productId,
        quantity: unallocated(quantitiesOf(line)),
        ...(kit === undefined ? {} : { kit: { key: kit, per: line.unitsPerKit ?? 1 } }),
      };
    });
}

/** What `quantity` units of an order line are in stock: a kit's components, else the line's own product. */
export function stockUnitsOf(
  lines: LineRow[],
  item: { orderLineId: number; productId: number; quantity: number },
): Array<{ productId: number; quantity: number }> {
  const line = lines.find((candidate) => candidate.id === item.orderLineId);
  if (!line || !isKit(line)) {
    return [{ productId: item.productId, quantity: item.quantity }];
  }
  return componentsOf(lines, line).map((part) => ({
    productId: part.productId,
    quantity: item.quantity * (part.unitsPerKit ?? 1),
  }));
}
