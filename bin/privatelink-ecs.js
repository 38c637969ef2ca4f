#!/usr/bin/env node
// npm `bin` entry: runs the TypeScript CLI through tsx, so `npx privatelink-ecs` works without a build step.
require('tsx/cjs');
const { main } = require('./cli.ts');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`privatelink-ecs: ${err?.message ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
