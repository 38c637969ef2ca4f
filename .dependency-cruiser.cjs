/**
 * Import rules, checked by `npm run lint` (depcruise). See README "Layout".
 * - What ships (functions/, shared/) never imports the local kit, the CDK app, the CLI, the tests or the bench.
 * - The CLI's AWS commands (plan, apply, event, start, doctor) never reach devkit/, not even through another
 *   module: they must run after `npm ci --omit=dev`. bin/cli.ts loads each command lazily, so only demo and run
 *   (which need the simulated account and the in-process workflow runner) load devkit/.
 * - No circular imports anywhere.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'shipped-code-imports-only-shipped-code',
      comment:
        'functions/ and shared/ ship in the Lambda bundles: they never import devkit/, infra/, bin/, test/ or bench/.',
      severity: 'error',
      from: { path: '^(functions|shared)/' },
      to: { path: '^(devkit|infra|bin|test|bench)/' },
    },
    {
      name: 'shipped-code-no-dev-dependencies',
      comment:
        'functions/ and shared/ run in Lambda and in the AWS commands, where devDependencies are absent ' +
        '(type-only imports are erased and allowed).',
      severity: 'error',
      from: { path: '^(functions|shared)/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'aws-commands-never-reach-devkit',
      comment:
        'plan, apply, event, start and doctor (and the CLI entry) must work without devDependencies: nothing they ' +
        'import, directly or not, may be in devkit/. bin/cli.ts loads the commands that need devkit/ lazily.',
      severity: 'error',
      from: { path: '^bin/(cli\\.ts|privatelink-ecs\\.js|commands/(plan|apply|event|start|doctor)\\.ts)$' },
      to: { path: '^devkit/', reachable: true },
    },
    {
      name: 'cli-aws-path-no-dev-dependencies',
      comment:
        'bin/ runs after `npm ci --omit=dev` except demo and run (and bin/lib/demo.ts, which only they load): ' +
        'no runtime import of a devDependency (type-only imports are erased and allowed).',
      severity: 'error',
      from: { path: '^bin/', pathNot: '^bin/(commands/(demo|run)|lib/demo)\\.ts$' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-circular',
      comment: 'Circular imports make load order matter and hide layering mistakes.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(cdk\\.out|dist|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    combinedDependencies: false,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
