// `privatelink-ecs doctor`, the work behind the command: read the deployed stack, the VPC and its fleet; ask
// AWS (iam:SimulatePrincipalPolicy) whether each function role may make the calls its function would make for
// them; check CloudTrail, the VPC's DNS attributes, its private hosted zones, SSM and the ECS agents. Read-only:
// the reconciler runs with its writes held back (first-run.ts), and no other call writes.
import { awsResourceFacts } from '../../../shared/authz/facts';
import type { Config } from '../../../shared/config';
import { describeError, errorName, InvalidInputError } from '../../../shared/errors';
import type { VpcId } from '../../../shared/ids';
import { findOurSecurityGroup } from '../../../shared/reconciler/inventory';
import { discoverInstances } from '../../../shared/workflow/discovery';
import { isTransient } from '../../../shared/workflow/errors';
import { type CallWorld, callsOf } from './calls';
import {
  agentsItem,
  type ChecklistItem,
  cloudTrailItem,
  dnsItem,
  listArns,
  listShort,
  optInItem,
  privateZonesItem,
  ssmItem,
} from './checks';
import type { DoctorClients } from './clients';
import { type FirstRun, firstRun } from './first-run';
import { fixFor, type StackNames } from './fix';
import { type CheckResult, expandCalls, simulateRole } from './iam';
import { readDeployedStack } from './stack';

export interface Denial {
  functionIds: string[];
  action: string;
  decision: CheckResult['decision'];
  /** The SDK calls the checks come from: "ec2:CreateVpcEndpoint". */
  operations: string[];
  /** What those calls are for: "reconcile: create the ecr.api interface endpoint". */
  purposes: string[];
  resources: string[];
  missingContext: string[];
  fix: string;
}

export interface RoleReport {
  functionId: string;
  roleArn: string;
  checks: number;
  denied: number;
}

export interface DoctorReport {
  stackName: string;
  region: string;
  account: string;
  vpcId: string;
  configSource: 'deployed stack' | '--config' | 'defaults';
  roles: RoleReport[];
  iam: { checks: number; requests: number; denials: Denial[] };
  items: ChecklistItem[];
  /** FAIL lines: a run would fail, or leave part of the VPC unserved. */
  blocking: number;
}

export interface DiagnoseOptions {
  vpcId: VpcId;
  stackName: string;
  /** --config: replaces the config read from the deployed stack. */
  config?: Config;
  defaults: Config;
}

/** Denials with the same action and fix are one finding, whichever functions and resources they hit. */
function groupDenials(denied: Array<CheckResult & { fix: string }>): Denial[] {
  const groups = new Map<string, Denial>();
  for (const d of denied) {
    const key = JSON.stringify([d.action, d.decision, d.fix]);
    const g = groups.get(key) ?? {
      functionIds: [],
      action: d.action,
      decision: d.decision,
      operations: [],
      purposes: [],
      resources: [],
      missingContext: [],
      fix: d.fix,
    };
    const add = (list: string[], value: string) => {
      if (!list.includes(value)) list.push(value);
    };
    add(g.functionIds, d.functionId);
    add(g.operations, d.operation);
    add(g.purposes, d.why);
    add(g.resources, d.resource);
    for (const k of d.missingContext) add(g.missingContext, k);
    groups.set(key, g);
  }
  return [...groups.values()];
}

function iamItems(report: Pick<DoctorReport, 'roles' | 'iam'>, unknown: string[]): ChecklistItem[] {
  const { checks, requests, denials } = report.iam;
  const items: ChecklistItem[] = denials.map((d) => ({
    id: 'iam',
    title: 'IAM',
    status: 'fail',
    summary: `${d.functionIds.join(', ')} would be ${d.decision === 'explicitDeny' ? 'explicitly ' : ''}denied ${d.action} on ${listArns(d.resources)}`,
    note: [
      `needed by ${d.operations.join(', ')} to ${listShort(d.purposes)}`,
      ...(d.missingContext.length
        ? [`AWS reports missing context values ${d.missingContext.join(', ')}`]
        : []),
      ...(d.resources.some((r) => /\/(sg|vpce)-planned\d*$/.test(r))
        ? ['sg-planned and vpce-planned<N> stand for what the run would create']
        : []),
    ].join('; '),
    fix: d.fix,
    details: { ...d },
  }));
  if (denials.length === 0) {
    items.push({
      id: 'iam',
      title: 'IAM',
      status: 'pass',
      summary: `${checks} checks of ${report.roles.length} function roles allowed by iam:SimulatePrincipalPolicy (${requests} requests)`,
    });
  }
  if (unknown.length) {
    items.push({
      id: 'iam',
      title: 'IAM',
      status: 'warn',
      summary: `not checked: ${unknown.join(', ')} (functions this version of privatelink-ecs does not know)`,
      fix: 'run the doctor of the version you deployed',
    });
  }
  return items;
}

/**
 * What each function would call for this VPC: the reconciler run with its writes held back, then the fleet
 * as DiscoverInstances sees it, our security group and the stack's names.
 */
export async function callWorld(
  clients: Pick<DoctorClients, 'ec2' | 'ecs' | 'ssm' | 'route53'>,
  config: Config,
  names: StackNames,
  vpcId: VpcId,
): Promise<{ world: CallWorld; run: FirstRun }> {
  const run = await firstRun(clients.ec2, clients.route53, config, vpcId);
  const fleet = (await discoverInstances(clients, vpcId)).facts;
  const securityGroupId = run.planned.has('sg-planned')
    ? 'sg-planned'
    : (await findOurSecurityGroup(clients.ec2, config, vpcId))?.id;
  const world: CallWorld = {
    config,
    vpcId,
    ...names,
    reconciler: run.calls,
    endpoints: run.result.endpoints,
    plannedEndpointIds: [...run.planned.keys()].filter((id) => id.startsWith('vpce-')),
    ...(securityGroupId ? { securityGroupId } : {}),
    fleet,
  };
  return { world, run };
}

/**
 * A check whose reads fail (typically access denied to the operator) is reported as not checked, with the
 * error, instead of ending the whole run: the other lines still stand.
 */
async function guarded(
  id: string,
  title: string,
  check: () => Promise<ChecklistItem>,
): Promise<ChecklistItem> {
  try {
    return await check();
  } catch (err) {
    if (isTransient(err)) throw err;
    return {
      id,
      title,
      status: 'warn',
      summary: `not checked: ${errorName(err)}: ${describeError(err)}`,
      fix: 'allow the reads this check needs (privatelink-ecs doctor --help lists them) and run doctor again',
    };
  }
}

export async function diagnose(clients: DoctorClients, options: DiagnoseOptions): Promise<DoctorReport> {
  const { vpcId } = options;
  const stack = await readDeployedStack(clients.cloudformation, options.stackName);
  const config = options.config ?? stack.config ?? options.defaults;
  const configSource = options.config ? '--config' : stack.config ? 'deployed stack' : 'defaults';
  if (!stack.tableName || !stack.documentName || !stack.stateMachineArn) {
    throw new InvalidInputError(
      `stack ${options.stackName} lacks the table, the restart document or the state machine of a privatelink-ecs stack`,
      { field: '--stack-name' },
    );
  }
  const names: StackNames = {
    partition: stack.partition,
    region: stack.region,
    account: stack.account,
    tableName: stack.tableName,
    documentName: stack.documentName,
    ...(stack.windowsDocumentName ? { windowsDocumentName: stack.windowsDocumentName } : {}),
    stateMachineArn: stack.stateMachineArn,
  };

  const { world, run } = await callWorld(clients, config, names, vpcId);
  const facts = awsResourceFacts(clients, { ...names, planned: run.planned });

  const roles: RoleReport[] = [];
  const denied: Array<CheckResult & { fix: string }> = [];
  const unknown: string[] = [];
  let checks = 0;
  let requests = 0;
  for (const role of stack.roles) {
    const calls = callsOf(role.functionId, world);
    if (!calls) {
      unknown.push(role.functionId);
      continue;
    }
    const entries = await expandCalls(role.functionId, calls, facts);
    const sim = await simulateRole(clients.iam, role.roleArn, entries);
    const refused = sim.results.filter((r) => r.decision !== 'allowed');
    checks += entries.length;
    requests += sim.requests;
    roles.push({
      functionId: role.functionId,
      roleArn: role.roleArn,
      checks: entries.length,
      denied: refused.length,
    });
    for (const r of refused) denied.push({ ...r, fix: fixFor(r, config, names) });
  }
  const iam = { checks, requests, denials: groupDenials(denied) };

  const actions = run.result.actions;
  const items: ChecklistItem[] = [
    optInItem(config, vpcId, run.result.optedIn),
    ...iamItems({ roles, iam }, unknown),
    await guarded('cloudtrail', 'CloudTrail', () => cloudTrailItem(clients.cloudtrail, stack.region, config)),
    await guarded('vpc-dns', 'VPC DNS', () => dnsItem(clients.ec2, vpcId, actions)),
    await guarded('private-dns-zones', 'Private hosted zones', () =>
      privateZonesItem(clients.route53, vpcId, stack.region, actions),
    ),
    ssmItem(config, world.fleet, actions),
    agentsItem(config, world.fleet),
  ];
  return {
    stackName: options.stackName,
    region: stack.region,
    account: stack.account,
    vpcId,
    configSource,
    roles,
    iam,
    items,
    blocking: items.filter((i) => i.status === 'fail').length,
  };
}
