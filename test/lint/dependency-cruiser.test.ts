import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bin, code, makeFixture, projectRoot, removeFixtures, run } from './fixture.js';

// Runs the project's .dependency-cruiser.cjs on small trees. Its paths and tsConfig are relative to the
// working directory, so running depcruise inside the fixture checks the fixture with the real rules.

const config = path.join(projectRoot, '.dependency-cruiser.cjs');

/** A tree that follows every rule, including the exceptions the rules allow. */
const clean: Record<string, string> = {
  'tsconfig.json': JSON.stringify({
    compilerOptions: {
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      verbatimModuleSyntax: true,
    },
    include: ['src', 'scripts'],
  }),
  'src/errors.ts': 'export class AppError extends Error {}\n',
  'src/db/client.ts': 'export const db = { name: "db" };\n',
  'src/db/schema/orders.ts': code(
    "import type { Address } from '../../modules/addresses/address.schemas.js';",
    'export const orders = { shipTo: undefined as Address | undefined };',
  ),
  'src/modules/addresses/address.schemas.ts': code(
    "export const addressFields = ['line1', 'city'];",
    'export interface Address {',
    '  line1: string;',
    '}',
  ),
  'src/modules/addresses/index.ts': "export type { Address } from './address.schemas.js';\n",
  'src/modules/orders/index.ts': "export { createOrders } from './orders.service.js';\n",
  'src/modules/orders/order-state.ts': "export const orderStates = ['received', 'shipped'];\n",
  'src/modules/orders/orders.service.ts': code(
    "import { db } from '../../db/client.js';",
    "import { AppError } from '../../errors.js';",
    "import { orderStates } from './order-state.js';",
    'export const createOrders = () => ({ db, orderStates, fail: () => new AppError() });',
  ),
  'src/modules/orders/orders.routes.ts': code(
    "import { createOrders } from './orders.service.js';",
    'export const orderRoutes = () => createOrders();',
  ),
  'src/modules/fulfillment/index.ts': "export { createShipments } from './shipments.service.js';\n",
  'src/modules/fulfillment/shipments.service.ts': code(
    "import { createOrders } from '../orders/index.js';",
    'export const createShipments = (orders = createOrders()) => ({ orders });',
  ),
  'src/app.ts': code(
    "import { createShipments } from './modules/fulfillment/index.js';",
    "import { createOrders } from './modules/orders/index.js';",
    'export const app = () => createShipments(createOrders());',
  ),
  'scripts/seed.ts': "import { createOrders } from '../src/modules/orders/index.js';\n\ncreateOrders();\n",
};

async function depcruise(changes: Record<string, string>) {
  const root = await makeFixture({ ...clean, ...changes });
  const result = await run(
    bin('depcruise'),
    ['src', 'scripts', '--config', config, '--output-type', 'err'],
    root,
  );
  // a cycle is printed over several lines: one line per violation reads better in an assertion
  return { ...result, output: result.output.replace(/\s+/g, ' ') };
}

describe('dependency-cruiser rules', () => {
  afterAll(removeFixtures);

  it('passes a tree that imports modules through their index.ts and schema types with import type', async () => {
    const result = await depcruise({});
    expect(result.output).toContain('no dependency violations found');
    expect(result.code).toBe(0);
  });

  it('fails a new import cycle between two modules', async () => {
    const result = await depcruise({
      'src/modules/orders/orders.service.ts': code(
        "import { createShipments } from '../fulfillment/index.js';",
        'export const createOrders = () => ({ shipments: () => createShipments() });',
      ),
    });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain(
      'error no-circular-modules: src/modules/orders → src/modules/fulfillment → src/modules/orders',
    );
    expect(result.output).toContain('error no-circular: src/modules/fulfillment/index.ts →');
  });

  it("fails a cross-module import of a file that is not the other module's index.ts", async () => {
    const result = await depcruise({
      'src/modules/fulfillment/shipments.service.ts': code(
        "import { orderStates } from '../orders/order-state.js';",
        'export const createShipments = () => ({ orderStates });',
      ),
    });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain(
      'error module-public-api: src/modules/fulfillment/shipments.service.ts → src/modules/orders/order-state.ts',
    );
  });

  it('fails the composition root, infrastructure and routes where they reach past their layer', async () => {
    const result = await depcruise({
      'src/modules/orders/order-state.ts': "import './index.js';\nexport const orderStates = ['received'];\n",
      'src/main.ts': "import { orderStates } from './modules/orders/order-state.js';\n\nvoid orderStates;\n",
      'scripts/seed.ts':
        "import { createOrders } from '../src/modules/orders/orders.service.js';\n\ncreateOrders();\n",
      'src/http/auth.ts':
        "import { createOrders } from '../modules/orders/index.js';\n\nvoid createOrders;\n",
      'src/db/schema/orders.ts': code(
        "import { addressFields } from '../../modules/addresses/address.schemas.js';",
        'export const orders = { shipTo: addressFields };',
      ),
      'src/modules/fulfillment/shipment-store.ts': 'export const shipmentRows = [];\n',
      'src/modules/fulfillment/shipments.routes.ts': code(
        "import { db } from '../../db/client.js';",
        "import { shipmentRows } from './shipment-store.js';",
        'export const shipmentRoutes = () => ({ db, shipmentRows });',
      ),
    });
    expect(result.code).not.toBe(0);
    for (const violation of [
      'module-public-api: src/modules/orders/order-state.ts → src/modules/orders/index.ts',
      'composition-root-through-index: src/main.ts → src/modules/orders/order-state.ts',
      'composition-root-through-index: scripts/seed.ts → src/modules/orders/orders.service.ts',
      'infrastructure-below-features: src/http/auth.ts → src/modules/orders/index.ts',
      'infrastructure-below-features: src/db/schema/orders.ts → src/modules/addresses/address.schemas.ts',
      'routes-know-http-not-sql: src/modules/fulfillment/shipments.routes.ts → src/db/client.ts',
      'routes-know-http-not-sql: src/modules/fulfillment/shipments.routes.ts → src/modules/fulfillment/shipment-store.ts',
    ]) {
      expect(result.output).toContain(`error ${violation}`);
    }
  });
});
