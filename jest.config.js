/**
 * Test tiers by file suffix (each runnable alone with `npx jest --selectProjects <tier>`):
 *   *.unit.spec.ts      pure logic, no I/O
 *   *.contract.spec.ts  a port's shared conformance suite over each adapter
 *   *.int.spec.ts       real Postgres and real Kafka
 *   *.e2e.spec.ts       HTTP in, provider-sandbox, webhooks, projections, HTTP out
 * The global setup starts what the tests need (see test/infra/global-setup.ts).
 */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];
// Packages that ship ESM only: jest 29's CommonJS runtime cannot load them, so they are transformed
// to CommonJS like our own code (Node itself loads them fine through require(esm)). Nest 12 is ESM only.
const swcJs = ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } }];
const esmOnly = ['jose', 'content-disposition', '@nestjs'].join('|');
const moduleNameMapper = {
  '^@payments/(domain|event-store|read-models|messaging|providers|config|security|infrastructure)$': '<rootDir>/libs/$1/src',
  '^@payments/(domain|event-store|read-models|messaging|providers|config|security|infrastructure)/(.*)$': '<rootDir>/libs/$1/src/$2',
};
const base = {
  rootDir: __dirname,
  transform: { '^.+\\.ts$': swc, [`^.+/node_modules/(${esmOnly})/.+\\.js$`]: swcJs },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly})/)`],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
  testEnvironment: 'node',
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/.cache/', '<rootDir>/.data/'],
};
const tier = (name, pattern, extra = {}) => ({
  ...base,
  displayName: name,
  testMatch: [`<rootDir>/**/*.${pattern}.spec.ts`],
  ...extra,
});
module.exports = {
  globalSetup: '<rootDir>/test/infra/global-setup.ts',
  globalTeardown: '<rootDir>/test/infra/global-teardown.ts',
  testTimeout: 60000,
  projects: [
    tier('unit', 'unit'),
    tier('contract', 'contract'),
    tier('int', 'int'),
    tier('e2e', 'e2e'),
  ],
};
