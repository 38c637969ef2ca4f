// `privatelink-ecs plan`: read-only. Shows what apply would do to one VPC, and what it would cost.
import type { Command } from 'commander';
import { parseVpcId } from '../../shared/ids';
import { endpointHourlyPrice, HOURS_PER_MONTH } from '../../shared/pricing';
import { addedEndpointAzs, isOptedIn, planCostUsd, planTeardown, planVpc } from '../../shared/reconciler';
import { type CommonOptions, clientsFor, EXIT_OK, loadConfig, withCommonOptions } from '../lib/common';
import { actionJson, formatUsd, planRows, renderTable } from '../lib/render';

export const order = 20;

interface PlanOptions extends CommonOptions {
  vpcId: string;
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
    .requiredOption('--vpc-id <id>', 'the VPC to plan, e.g. vpc-0123456789abcdef0')
    .option(
      '--json',
      'print JSON: each action with kind, service, resourceIds, targetId, reason, plus the cost (and the ' +
        'teardown steps when the VPC lacks the opt-in tag and teardownOnOptOut is on)',
    );
  withCommonOptions(cmd)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  privatelink-ecs plan --vpc-id vpc-0123456789abcdef0\n' +
        '  privatelink-ecs plan --vpc-id vpc-0123456789abcdef0 --region eu-west-1 --json\n' +
        '  privatelink-ecs plan --vpc-id vpc-0123456789abcdef0 --config ./privatelink-ecs.json\n',
    )
    .action(async (opts: PlanOptions) => {
      await runPlan(opts);
    });
}
