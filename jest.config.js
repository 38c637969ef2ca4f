/** One project per suite: `npm test` runs them all, `npm run test:<suite>` runs one. */
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] };
const common = {
  transform,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  setupFiles: ['<rootDir>/test/support/env.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/support/iam-denials.ts'],
  restoreMocks: true,
};

module.exports = {
  // A test that first deploys a config into the simulated account synthesizes the stack for its roles (about
  // 5 s, then cached on disk): the timeout leaves room for that.
  testTimeout: 30_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/moto-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/moto-global-teardown.ts',
      setupFiles: [...common.setupFiles, '<rootDir>/test/support/moto-env.ts'],
    },
    { ...common, displayName: 'workflow', testMatch: ['<rootDir>/test/workflow/**/*.test.ts'] },
    { ...common, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
    {
      ...common,
      displayName: 'reliability',
      testMatch: ['<rootDir>/test/reliability/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/moto-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/moto-global-teardown.ts',
      setupFiles: [...common.setupFiles, '<rootDir>/test/support/moto-env.ts'],
    },
  ],
};
