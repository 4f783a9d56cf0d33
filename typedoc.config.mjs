// @ts-check
/**
 * The API reference of @matgrad/core and @matgrad/nn, built from their doc comments by
 * `pnpm docs:api` (scripts/api-docs.ts) into docs/api/ (not committed). Any warning fails the
 * build (packages/nn/test/api-docs.test.ts runs it): an undocumented export of a package
 * listed below, a broken {@link}, a type the API uses but does not export.
 */

/** The packages whose every exported function, class, method, property and option must have
 *  a doc comment. */
const packagesRequiringDocumentation = ['@matgrad/core', '@matgrad/nn'];

/** @type {Partial<import('typedoc').TypeDocOptions>} */
const config = {
  name: 'matgrad',
  entryPointStrategy: 'packages',
  entryPoints: ['packages/core', 'packages/nn'],
  // Each package's own entry points (and the types its API names without exporting them, for
  // now) are in the "typedocOptions" of its package.json.
  packageOptions: {
    tsconfig: 'tsconfig.json',
    readme: 'none',
    excludePrivate: true,
    excludeInternal: true,
    disableSources: true,
    validation: { notExported: true, invalidLink: true, invalidPath: true, rewrittenLink: true, notDocumented: true, unusedMergeModuleWith: true },
    packagesRequiringDocumentation,
  },
  // Source links would need a hosted repository; the reference links names, not lines.
  disableSources: true,
  out: 'docs/api',
  readme: 'none',
};

export default config;
