// IAM: the calls a full demo run (`npm start`: the trigger Lambda's code, then every workflow step) makes through
// clients bound to the deployed roles, and how many of them the roles' policies, evaluated resource by resource
// with a real policy evaluator, authorize and deny. The target for denials is 0.
import { runDemo } from '../bin/commands/demo';
import { quietCliLogs } from '../bin/lib/common';
import { type BenchContext, type Figure, repeat } from './lib';

export const title = 'IAM: calls authorized and denied against the deployed roles in a full demo run';

interface DemoIam {
  authorized: number;
  denied: number;
  exit: number;
}

async function demoOnce(): Promise<DemoIam> {
  let json = '';
  const exit = await runDemo(
    { json: true },
    (line) => {
      json += `${line}\n`;
    },
    () => undefined,
  );
  const report = JSON.parse(json) as { iam: { authorized: number; denied: number } };
  return { ...report.iam, exit };
}

export async function run(ctx: BenchContext): Promise<Figure[]> {
  // As the CLI runs the demo: the Lambda code's info logs would bury the table.
  quietCliLogs();
  const samples = await repeat(ctx.runs, async (i) => {
    const result = await demoOnce();
    ctx.progress(
      `demo run ${i + 1}: ${result.authorized} authorized, ${result.denied} denied, exit ${result.exit}`,
    );
    if (result.exit !== 0) throw new Error(`the demo exited ${result.exit}`);
    return result;
  });
  return [
    {
      section: 'IAM',
      case: 'demo, 14 instances (trigger + workflow)',
      figure: 'calls authorized',
      samples: samples.map((s) => s.authorized),
    },
    {
      section: 'IAM',
      case: 'demo, 14 instances (trigger + workflow)',
      figure: 'calls denied',
      samples: samples.map((s) => s.denied),
      reference: { label: 'target', value: 0 },
    },
  ];
}
