// `privatelink-ecs apply`: converge one VPC on the endpoint set and print what happened to each action.
import type { Command } from 'commander';
import { parseVpcId } from '../../shared/ids';
import { reconcileVpc } from '../../shared/reconciler';
import {
  type CommonOptions,
  clientsFor,
  EXIT_FAILED,
  EXIT_OK,
  loadConfig,
  withCommonOptions,
} from '../lib/common';
import { actionJson, formatUsd, renderTable, resultRows } from '../lib/render';

export const order = 21;

interface ApplyOptions extends CommonOptions {
  vpcId: string;
  force?: boolean;
}

export async function runApply(opts: ApplyOptions): Promise<number> {
  const vpcId = parseVpcId(opts.vpcId, '--vpc-id');
  const config = loadConfig(opts);
  const { ec2, route53 } = clientsFor(opts);
  try {
    const result = await reconcileVpc(
      ec2,
      config,
      { vpcId, force: Boolean(opts.force) },
      route53 ? { route53 } : {},
    );
    const failed = result.results.filter((r) => r.status === 'error');
    const code = failed.length === 0 ? EXIT_OK : EXIT_FAILED;
    if (opts.json) {
      const out = {
        vpcId,
        optedIn: result.optedIn,
        forced: Boolean(opts.force),
        converged: result.converged,
        changed: result.changed,
        results: result.results.map((r) => ({
          action: actionJson(r.action),
          status: r.status,
          resourceId: r.resourceId ?? null,
          message: r.message,
          ...(r.errorName ? { errorName: r.errorName } : {}),
        })),
        // The JSON keeps its shape: EndpointSummary.createdAt is for the trigger's own decision.
        endpoints: result.endpoints.map(({ createdAt: _createdAt, ...e }) => e),
        addedMonthlyCostUsd: result.addedMonthlyCostUsd,
        warnings: result.warnings ?? [],
      };
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } else {
      const out: string[] = [];
      if (!result.optedIn) out.push(`${vpcId} is not opted in; going ahead because of --force`);
      if (result.results.length === 0) {
        out.push(`${vpcId} has converged: nothing to do.`);
      } else {
        out.push(renderTable(resultRows(result.results)).trimEnd());
        const count = (s: string) => result.results.filter((r) => r.status === s).length;
        out.push('');
        out.push(
          failed.length === 0
            ? `${vpcId} has converged (${count('ok')} changed, ${count('skip')} skipped). Added cost: ${formatUsd(result.addedMonthlyCostUsd)}/month.`
            : `${vpcId} has NOT converged: ${failed.length} action(s) failed, ${count('ok')} changed, ${count('skip')} skipped. Run apply again after fixing the cause.`,
        );
      }
      for (const warning of result.warnings ?? []) out.push(`warning: ${warning}`);
      process.stdout.write(`${out.join('\n')}\n`);
    }
    process.exitCode = code;
    return code;
  } finally {
    ec2.destroy();
  }
}

export function register(program: Command): void {
  const cmd = program
    .command('apply')
    .summary('converge one VPC on the PrivateLink endpoints ECS and ECR need')
    .description(
      'Create what is missing (DNS attributes, the 443 security group, interface endpoints with private ' +
        'DNS, the S3 gateway) and print the result of each action. Refuses a VPC without the opt-in tag ' +
        'unless --force. Exit code 0 when the VPC has converged, 1 when any action failed, 2 for bad input.',
    )
    .requiredOption('--vpc-id <id>', 'the VPC to converge, e.g. vpc-0123456789abcdef0')
    .option('--force', 'act on a VPC that lacks the opt-in tag')
    .option('--json', 'print JSON: each action with its status, resource and message');
  withCommonOptions(cmd)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  privatelink-ecs apply --vpc-id vpc-0123456789abcdef0\n' +
        '  privatelink-ecs apply --vpc-id vpc-0123456789abcdef0 --force --json\n' +
        '  AWS_PROFILE=prod privatelink-ecs apply --vpc-id vpc-0123456789abcdef0 --region us-east-2\n',
    )
    .action(async (opts: ApplyOptions) => {
      await runApply(opts);
    });
}
