// `privatelink-ecs doctor`: read-only checks of a deployed stack against one VPC in a real account. Every
// function role is asked, through AWS's own iam:SimulatePrincipalPolicy, about the calls its function would
// make for this VPC and its fleet; then CloudTrail, the VPC's DNS attributes, its private hosted zones, SSM
// and the ECS agents. Exit code 0 when nothing blocks, 1 on a blocking finding, 2 for bad input.
//
// This file and what it imports run with the operator's credentials only: nothing here loads devkit/ or the
// AGPL policy evaluator (test/unit/cli/doctor-imports.test.ts checks it).
import type { Command } from 'commander';
import { InvalidInputError } from '../../shared/errors';
import { parseVpcId } from '../../shared/ids';
import { type CommonOptions, EXIT_FAILED, EXIT_OK, loadConfig, withCommonOptions } from '../lib/common';
import type { ChecklistItem } from '../lib/doctor/checks';
import { createDoctorClients, destroyDoctorClients } from '../lib/doctor/clients';
import { type DoctorReport, diagnose } from '../lib/doctor/diagnose';
import { STACK_NAME } from '../lib/doctor/stack';
import { DEFAULT_STACK_NAME } from '../lib/stack';

export const order = 45;

interface DoctorOptions extends CommonOptions {
  vpcId: string;
  stackName: string;
}

const LABEL: Record<ChecklistItem['status'], string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' };

export function renderReport(report: DoctorReport): string {
  const out: string[] = [
    `privatelink-ecs doctor: stack ${report.stackName} and ${report.vpcId} in ${report.region} (account ${report.account}, config from the ${report.configSource})`,
    '',
  ];
  for (const item of report.items) {
    out.push(`  ${LABEL[item.status]}  ${item.title}: ${item.summary}`);
    if (item.note && item.status !== 'pass') out.push(`        ${item.note}`);
    if (item.fix && item.status !== 'pass') out.push(`        fix: ${item.fix}`);
  }
  out.push('');
  const warnings = report.items.filter((i) => i.status === 'warn').length;
  out.push(
    report.blocking > 0
      ? `${report.blocking} blocking finding(s)${warnings ? ` and ${warnings} warning(s)` : ''}: fix them and run doctor again.`
      : `No blocking finding${warnings ? ` (${warnings} warning(s))` : ''}: the stack can serve ${report.vpcId}.`,
  );
  return `${out.join('\n')}\n`;
}

export async function runDoctor(opts: DoctorOptions): Promise<number> {
  // Bad input is refused before any client exists, so it never costs an AWS call.
  const vpcId = parseVpcId(opts.vpcId, '--vpc-id');
  if (!STACK_NAME.test(opts.stackName)) {
    throw new InvalidInputError(
      `--stack-name must be a CloudFormation stack name (a letter, then letters, digits and hyphens) or stack id, got ${JSON.stringify(opts.stackName)}`,
      { field: '--stack-name' },
    );
  }
  const config = opts.config ? loadConfig(opts) : undefined;
  const clients = createDoctorClients(opts.region);
  try {
    const report = await diagnose(clients, {
      vpcId,
      stackName: opts.stackName,
      ...(config ? { config } : {}),
      defaults: loadConfig({}),
    });
    process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report));
    const code = report.blocking > 0 ? EXIT_FAILED : EXIT_OK;
    process.exitCode = code;
    return code;
  } finally {
    destroyDoctorClients(clients);
  }
}

export function register(program: Command): void {
  const cmd = program
    .command('doctor')
    .summary(
      'check a deployed stack against one VPC: IAM, CloudTrail, DNS, hosted zones, SSM, agents (read-only)',
    )
    .description(
      [
        'Read-only checks of the deployed stack against one VPC and its ECS fleet,',
        'with your credentials:',
        '- IAM: each function role is asked, through iam:SimulatePrincipalPolicy,',
        '  about every call its function would make for this VPC (the writes a',
        '  first run would make, the rollout on its container instances), resource',
        '  by resource with the context IAM sees; each denial comes with its fix',
        '- CloudTrail: a trail logging management write events (the CloudTrail',
        '  rules need one)',
        '- the VPC DNS attributes enableDnsSupport and enableDnsHostnames',
        '- Route 53 private hosted zones associated with the VPC that serve a',
        '  service centrally (no endpoint is created for it)',
        '- SSM agents not online, and ECS agents older than 1.25.1',
        '',
        'The config is read from the deployed stack unless --config is given.',
        'Exit code 0 when nothing blocks (WARN lines allowed), 1 on a blocking',
        '(FAIL) finding, 2 for bad input.',
        '',
        'Needs read access only: cloudformation:DescribeStacks, ListStackResources,',
        'GetTemplate; iam:SimulatePrincipalPolicy; cloudtrail:DescribeTrails,',
        'GetTrailStatus, GetEventSelectors; route53:ListHostedZonesByVPC; and the',
        'EC2, ECS and SSM Describe/List calls (ec2:DescribeTags included).',
      ].join('\n'),
    )
    .requiredOption('--vpc-id <id>', 'the VPC to check, e.g. vpc-0123456789abcdef0')
    .option('--stack-name <name>', 'the deployed stack', DEFAULT_STACK_NAME)
    .option('--json', 'print JSON: every checklist item with status, summary, fix and details');
  withCommonOptions(cmd)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  privatelink-ecs doctor --vpc-id vpc-0123456789abcdef0\n' +
        '  privatelink-ecs doctor --vpc-id vpc-0123456789abcdef0 --stack-name PrivateLinkEcs-prod --region eu-west-1\n' +
        '  privatelink-ecs doctor --vpc-id vpc-0123456789abcdef0 --json | jq \'.items[] | select(.status != "pass")\'\n',
    )
    .action(async (opts: DoctorOptions) => {
      await runDoctor(opts);
    });
}
