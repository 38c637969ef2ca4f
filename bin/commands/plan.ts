// `privatelink-ecs plan`: read-only. Shows what apply would do to one VPC, and what it would cost.
import type { Command } from 'commander';
import type { Config } from '../../shared/config';
import { InvalidInputError } from '../../shared/errors';
import { parseVpcId } from '../../shared/ids';
import { plannerRoleName } from '../../shared/org/names';
import { endpointHourlyPrice, HOURS_PER_MONTH } from '../../shared/pricing';
import { addedEndpointAzs, isOptedIn, planCostUsd, planTeardown, planVpc } from '../../shared/reconciler';
import {
  type CommonOptions,
  clientsFor,
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  loadConfig,
  withCommonOptions,
} from '../lib/common';
import {
  type AccountRegionPlan,
  type OrgClientFactory,
  orgClients,
  orgTargetsOf,
  planOrganization,
} from '../lib/org';
import { actionJson, formatUsd, planRows, renderTable } from '../lib/render';

export const order = 20;

export const DEFAULT_ORG_CONCURRENCY = 8;
export const MAX_ORG_CONCURRENCY = 64;

interface PlanOptions extends CommonOptions {
  vpcId?: string;
  org?: boolean;
  concurrency?: string;
}

export async function runPlan(opts: PlanOptions): Promise<number> {
  const vpcId = parseVpcId(opts.vpcId, '--vpc-id');
  const config = loadConfig(opts);
  const { ec2, route53 } = clientsFor(opts);
  try {
    const { inventory, plan } = await planVpc(ec2, config, vpcId, route53 ? { route53 } : {});
    const optedIn = isOptedIn(config, inventory.tags);
    const price = endpointHourlyPrice(inventory.region, config);
    const endpointAzs = addedEndpointAzs(plan.actions);
    const monthly = planCostUsd(plan.actions, inventory.region, config);
    const writes = plan.actions.filter((a) => a.kind !== 'covered').length;
    // Without the opt-in tag and with teardownOnOptOut, the triggers tear down what we created: that plan too.
    const teardown =
      !optedIn && config.teardownOnOptOut
        ? planTeardown(vpcId, inventory.endpoints, inventory.securityGroup)
        : undefined;
    if (opts.json) {
      const out = {
        vpcId,
        region: inventory.region,
        optedIn,
        converged: writes === 0,
        ssm: plan.desired.ssmDecision,
        actions: plan.actions.map(actionJson),
        cost: {
          addedEndpointAzs: endpointAzs,
          hourlyPriceUsd: price.usd,
          priceSource: price.source,
          hoursPerMonth: HOURS_PER_MONTH,
          monthlyUsd: monthly,
        },
        warnings: plan.warnings,
        ...(teardown ? { teardown: teardown.map(actionJson) } : {}),
      };
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } else {
      const out: string[] = [];
      const tag = `${config.optInTag.key}=${config.optInTag.value}`;
      out.push(
        `Plan for ${vpcId} in ${inventory.region} (opt-in tag ${tag} ${optedIn ? 'present' : 'ABSENT'})`,
      );
      if (!optedIn) {
        out.push(
          `  ${vpcId} lacks ${config.optInTag.key}=${config.optInTag.value}: apply refuses it unless --force`,
        );
      }
      out.push(`SSM endpoints: ${plan.desired.ssmDecision}`);
      out.push('');
      out.push(writes === 0 ? `${vpcId} has converged: nothing to do.` : `${writes} change(s):`);
      if (plan.actions.length > 0) {
        const azOf = new Map(inventory.subnets.map((s) => [s.id, s.azName]));
        const context = { azOf, hourlyUsd: price.usd, hoursPerMonth: HOURS_PER_MONTH };
        out.push(renderTable(planRows(plan.actions, context)).trimEnd());
      }
      out.push('');
      out.push(
        endpointAzs === 0
          ? 'Added cost: none (no interface endpoint AZs to add).'
          : `Added interface endpoint cost: ${endpointAzs} endpoint-AZ(s) x ${formatUsd(price.usd)}/h (${price.source}) x ${HOURS_PER_MONTH} h = ${formatUsd(monthly)}/month, plus data processing`,
      );
      if (teardown) {
        out.push('');
        out.push(
          teardown.length === 0
            ? 'teardownOnOptOut is on: nothing of privatelink-ecs to delete on opt-out.'
            : `teardownOnOptOut is on: on opt-out the triggers delete, unless a container instance is still registered in ${vpcId}, ${teardown.length} resource(s):`,
        );
        if (teardown.length > 0) out.push(renderTable(planRows(teardown)).trimEnd());
      }
      for (const warning of plan.warnings) out.push(`warning: ${warning}`);
      process.stdout.write(`${out.join('\n')}\n`);
    }
    process.exitCode = EXIT_OK;
    return EXIT_OK;
  } finally {
    ec2.destroy();
  }
}

export function register(program: Command): void {
  const cmd = program
    .command('plan')
    .summary('show what apply would change in one VPC (read-only)')
    .description(
      'Read one VPC (DNS attributes, subnets, route tables, endpoints, our security group) and print the ' +
        'ordered actions apply would take, each with its reason, and the monthly cost of the interface ' +
        'endpoints it would add. Makes no changes.',
    )
    .option('--vpc-id <id>', 'the VPC to plan, e.g. vpc-0123456789abcdef0 (required without --org)')
    .option(
      '--org',
      `plan every opted-in VPC of every account of the config's organization.targets OUs and regions, through ` +
        `the member stack's read-only role ${plannerRoleName('<region>')} (see docs/organization-operations.md)`,
    )
    .option(
      '--concurrency <n>',
      `with --org: account-regions planned at once, 1 to ${MAX_ORG_CONCURRENCY} (default ${DEFAULT_ORG_CONCURRENCY})`,
    )
    .option(
      '--json',
      'print JSON: each action with kind, service, resourceIds, targetId, reason, plus the cost (and the ' +
        'teardown steps when the VPC lacks the opt-in tag and teardownOnOptOut is on); with --org, every ' +
        'account-region (VPCs, endpoints to create, monthly cost, error) and the totals',
    );
  withCommonOptions(cmd)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  privatelink-ecs plan --vpc-id vpc-0123456789abcdef0\n' +
        '  privatelink-ecs plan --vpc-id vpc-0123456789abcdef0 --region eu-west-1 --json\n' +
        '  privatelink-ecs plan --vpc-id vpc-0123456789abcdef0 --config ./privatelink-ecs.json\n' +
        '  privatelink-ecs plan --org --config ./privatelink-ecs.json --concurrency 16\n' +
        '\nWith --org, run it in the hub account (management or delegated administrator): it lists the accounts\n' +
        'of organization.targets (child OUs included, minus excludeAccounts), assumes the planner role in each\n' +
        'account for each of organization.regions, prints each result as it arrives, then the totals. An\n' +
        'account-region that fails is reported and the others go on; the exit code is then 1.\n',
    )
    .action(async (opts: PlanOptions) => {
      if (opts.org) {
        if (opts.vpcId) {
          cmd.error('error: pass either --vpc-id or --org, not both', { exitCode: EXIT_USAGE });
        }
        await runPlanOrg(opts);
        return;
      }
      if (!opts.vpcId) {
        // The message commander gives a missing required option, naming the alternative.
        cmd.error("error: required option '--vpc-id <id>' not specified (or pass --org)", {
          exitCode: EXIT_USAGE,
          code: 'commander.missingMandatoryOptionValue',
        });
      }
      await runPlan(opts);
    });
}

function parseConcurrency(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_ORG_CONCURRENCY;
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_ORG_CONCURRENCY) {
    throw new InvalidInputError(
      `--concurrency must be a whole number from 1 to ${MAX_ORG_CONCURRENCY}, got ${JSON.stringify(raw)}`,
      { field: '--concurrency' },
    );
  }
  return n;
}

function orgResultLine(r: AccountRegionPlan): string {
  const where = `${r.accountId} ${r.accountName.padEnd(12)} ${r.region.padEnd(14)}`;
  if (!r.ok) return `${where} FAILED ${r.error?.name}: ${r.error?.message}`;
  const changing = r.vpcs.filter((v) => v.changes > 0).length;
  return (
    `${where} ${r.vpcs.length} opted-in VPC(s), ${changing} to change: ` +
    `${r.endpointsToCreate} endpoint(s) to create, ${formatUsd(r.monthlyUsd)}/month`
  );
}

export interface PlanOrgDeps {
  clients: OrgClientFactory;
  stdout: (text: string) => void;
  /** The parsed config, instead of reading --config. */
  config: Config;
}

/**
 * `plan --org`: read-only across the organization. Prints each account-region as it arrives (text) or one
 * JSON document at the end; exits 1 when any account-region failed, 0 otherwise.
 */
export async function runPlanOrg(opts: PlanOptions, deps: Partial<PlanOrgDeps> = {}): Promise<number> {
  const concurrency = parseConcurrency(opts.concurrency);
  const config = deps.config ?? loadConfig(opts);
  const targets = orgTargetsOf(config);
  const stdout = deps.stdout ?? ((text: string) => process.stdout.write(text));
  const clients = deps.clients ?? orgClients(opts.region ? { region: opts.region } : {});
  if (!opts.json) {
    stdout(
      `Planning organization.targets ${targets.targets.join(', ')} in ${targets.regions.join(', ')} ` +
        `(concurrency ${concurrency}, read-only, through ${plannerRoleName('<region>')})\n`,
    );
  }
  const { results, totals } = await planOrganization({
    clients,
    config,
    targets,
    concurrency,
    ...(opts.json ? {} : { onResult: (r: AccountRegionPlan) => stdout(`${orgResultLine(r)}\n`) }),
  });
  if (opts.json) {
    stdout(`${JSON.stringify({ results, totals }, null, 2)}\n`);
  } else {
    stdout(
      `\nTotal: ${totals.accountRegions} account-region(s), ${totals.vpcs} opted-in VPC(s), ` +
        `${totals.endpointsToCreate} endpoint(s) to create, ${formatUsd(totals.monthlyUsd)}/month` +
        `${totals.failed ? `; ${totals.failed} account-region(s) FAILED (see above)` : ''}\n`,
    );
  }
  const code = totals.failed > 0 ? EXIT_FAILED : EXIT_OK;
  process.exitCode = code;
  return code;
}
