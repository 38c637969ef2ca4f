#!/usr/bin/env node
// npm `bin` entry: runs the TypeScript CLI through tsx, so `npx privatelink-ecs` works without a build step.
// The AWS SDK prints a multi-line notice on Node.js < 22 on the first client it makes; it would break the
// CLI's one-line error contract and --json output. The README recommends Node.js 22 or later.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// `privatelink-ecs plan --help | head` closes stdout early; stop quietly instead of crashing with EPIPE.
process.stdout.on('error', (err) => {
  if (err && err.code === 'EPIPE') process.exit(0);
  throw err;
});
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
