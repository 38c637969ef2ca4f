// The checklist lines of `privatelink-ecs doctor` besides IAM, each from read-only calls. A line is PASS, WARN
// (worth knowing, nothing fails because of it) or FAIL (blocking: a run would fail, or leave part of the VPC
// unserved with nothing to remedy it automatically). Each WARN and FAIL carries its fix.
import {
  type CloudTrailClient,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  type GetEventSelectorsCommandOutput,
  GetTrailStatusCommand,
} from '@aws-sdk/client-cloudtrail';
import { DescribeVpcAttributeCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { ListHostedZonesByVPCCommand, type Route53Client, type VPCRegion } from '@aws-sdk/client-route-53';
import { type Config, SSM_SERVICES } from '../../../shared/config';
import { describeError, errorName } from '../../../shared/errors';
import type { PlannedAction } from '../../../shared/reconciler/types';
import {
  compareVersions,
  decideInstance,
  type InstanceFacts,
  MIN_AGENT_VERSION,
} from '../../../shared/workflow/plan';

export type Status = 'pass' | 'warn' | 'fail';

export interface ChecklistItem {
  id: string;
  title: string;
  status: Status;
  summary: string;
  /** A second line of explanation (e.g. what a denied call is for). */
  note?: string;
  fix?: string;
  details?: Record<string, unknown>;
}

const SHOWN = 5;
/** "a, b, c and 4 more". */
export function listShort(items: readonly string[]): string {
  const shown = items.slice(0, SHOWN).join(', ');
  return items.length > SHOWN ? `${shown} and ${items.length - SHOWN} more` : shown;
}

/** ARNs of one type named once: "arn:…:instance/{i-1, i-2 and 3 more}"; a lone ARN stays whole. */
export function listArns(arns: readonly string[]): string {
  const groups = new Map<string, string[]>();
  for (const arn of arns) {
    const cut = arn.lastIndexOf('/');
    const prefix = cut < 0 ? arn : arn.slice(0, cut + 1);
    groups.set(prefix, [...(groups.get(prefix) ?? []), cut < 0 ? '' : arn.slice(cut + 1)]);
  }
  return listShort(
    [...groups].map(([prefix, ids]) =>
      ids.length === 1 ? `${prefix}${ids[0]}` : `${prefix}{${listShort(ids)}}`,
    ),
  );
}

// ------------------------------------------------------------------------------------------- opt-in

export function optInItem(config: Config, vpcId: string, optedIn: boolean): ChecklistItem {
  const tag = `${config.optInTag.key}=${config.optInTag.value}`;
  return optedIn
    ? { id: 'opt-in', title: 'Opt-in', status: 'pass', summary: `${vpcId} carries ${tag}` }
    : {
        id: 'opt-in',
        title: 'Opt-in',
        status: 'warn',
        summary: `${vpcId} lacks ${tag}: nothing happens to it yet (checked as if it were tagged)`,
        fix: `aws ec2 create-tags --resources ${vpcId} --tags Key=${config.optInTag.key},Value=${config.optInTag.value}`,
      };
}

// ------------------------------------------------------------------------------------------- CloudTrail

interface TrailView {
  name: string;
  arn: string;
  homeRegion: string;
  logging: boolean | undefined;
  managementWrites: boolean | undefined;
  error?: string;
}

const RULE_SOURCES = ['ec2.amazonaws.com', 'ecs.amazonaws.com'];

/** Whether a trail's selectors log the write management events of EC2 and ECS the CloudTrail rules match. */
export function logsManagementWrites(
  selectors: Pick<GetEventSelectorsCommandOutput, 'EventSelectors' | 'AdvancedEventSelectors'>,
): boolean {
  if (selectors.AdvancedEventSelectors?.length) {
    return selectors.AdvancedEventSelectors.some((s) => {
      const field = (name: string) => s.FieldSelectors?.find((f) => f.Field === name);
      if (!field('eventCategory')?.Equals?.includes('Management')) return false;
      if (field('readOnly')?.Equals?.includes('true')) return false;
      const source = field('eventSource');
      return RULE_SOURCES.every(
        (src) => (!source?.Equals || source.Equals.includes(src)) && !source?.NotEquals?.includes(src),
      );
    });
  }
  const basic = selectors.EventSelectors ?? [];
  // No selectors at all is the default configuration: every management event.
  if (basic.length === 0) return true;
  return basic.some((s) => s.IncludeManagementEvents !== false && (s.ReadWriteType ?? 'All') !== 'ReadOnly');
}

async function readTrails(cloudtrail: CloudTrailClient, region: string): Promise<TrailView[]> {
  const out = await cloudtrail.send(new DescribeTrailsCommand({ includeShadowTrails: true }));
  const applicable = (out.trailList ?? []).filter((t) => t.IsMultiRegionTrail || t.HomeRegion === region);
  const views: TrailView[] = [];
  for (const t of applicable) {
    const view: TrailView = {
      name: t.Name ?? '',
      arn: t.TrailARN ?? '',
      homeRegion: t.HomeRegion ?? '',
      logging: undefined,
      managementWrites: undefined,
    };
    try {
      view.logging =
        (await cloudtrail.send(new GetTrailStatusCommand({ Name: view.arn }))).IsLogging === true;
      view.managementWrites = logsManagementWrites(
        await cloudtrail.send(new GetEventSelectorsCommand({ TrailName: view.arn })),
      );
    } catch (err) {
      view.error = `${errorName(err)}: ${describeError(err)}`;
    }
    views.push(view);
  }
  return views;
}

export async function cloudTrailItem(
  cloudtrail: CloudTrailClient,
  region: string,
  config: Config,
): Promise<ChecklistItem> {
  const trails = await readTrails(cloudtrail, region);
  const title = 'CloudTrail';
  const details = { trails };
  const good = trails.find((t) => t.logging && t.managementWrites);
  if (good) {
    return {
      id: 'cloudtrail',
      title,
      status: 'pass',
      summary: `trail ${good.name} logs management write events in ${region}`,
      details,
    };
  }
  const why =
    trails.length === 0
      ? `no trail logs ${region}`
      : trails
          .map((t) =>
            t.error
              ? `${t.name}: could not be read (${t.error})`
              : !t.logging
                ? `${t.name} is stopped`
                : `${t.name} does not log management write events`,
          )
          .join('; ');
  const stopped = trails.find((t) => !t.error && t.logging === false && t.managementWrites);
  return {
    id: 'cloudtrail',
    title,
    status: 'warn',
    summary: `${why}: the "AWS API Call via CloudTrail" rules (CreateVpc, CreateTags, DeleteTags, ECS CreateCluster/TagResource) never fire; ${config.sweep.enabled ? `the tag-change rule, ECS state events and the sweep (${config.sweep.schedule}) still do` : 'the tag-change rule and ECS state events still do (the sweep is off)'}`,
    fix: stopped
      ? `aws cloudtrail start-logging --name ${stopped.arn}`
      : `aws cloudtrail create-trail --name management-events --s3-bucket-name <bucket> --is-multi-region-trail && aws cloudtrail start-logging --name management-events`,
    details,
  };
}

// ------------------------------------------------------------------------------------------- VPC DNS

export async function dnsItem(
  ec2: EC2Client,
  vpcId: string,
  actions: readonly PlannedAction[],
): Promise<ChecklistItem> {
  const attribute = async (Attribute: 'enableDnsSupport' | 'enableDnsHostnames') => {
    const out = await ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute }));
    return Attribute === 'enableDnsSupport'
      ? out.EnableDnsSupport?.Value === true
      : out.EnableDnsHostnames?.Value === true;
  };
  const support = await attribute('enableDnsSupport');
  const hostnames = await attribute('enableDnsHostnames');
  const details = { enableDnsSupport: support, enableDnsHostnames: hostnames };
  const title = 'VPC DNS';
  if (support && hostnames) {
    return {
      id: 'vpc-dns',
      title,
      status: 'pass',
      summary: 'enableDnsSupport and enableDnsHostnames are on',
      details,
    };
  }
  const off = [!support && 'enableDnsSupport', !hostnames && 'enableDnsHostnames'].filter(
    Boolean,
  ) as string[];
  const now = off
    .map(
      (a) =>
        `aws ec2 modify-vpc-attribute --vpc-id ${vpcId} --${a === 'enableDnsSupport' ? 'enable-dns-support' : 'enable-dns-hostnames'} '{"Value":true}'`,
    )
    .join(' && ');
  const planned = off.every((a) =>
    actions.some(
      (x) => x.kind === (a === 'enableDnsSupport' ? 'enable-dns-support' : 'enable-dns-hostnames'),
    ),
  );
  return planned
    ? {
        id: 'vpc-dns',
        title,
        status: 'warn',
        summary: `${off.join(' and ')} off: the first run turns it on (ModifyVpcAttribute), which private DNS needs`,
        fix: `nothing to do, or turn it on yourself now: ${now}`,
        details,
      }
    : {
        id: 'vpc-dns',
        title,
        status: 'fail',
        summary: `${off.join(' and ')} off, and no run turns it on: interface endpoints' private DNS does not resolve`,
        fix: now,
        details,
      };
}

// ------------------------------------------------------------------------------------------- private DNS zones

async function zonesOf(route53: Route53Client, vpcId: string, region: string) {
  const zones: Array<{ id: string; name: string; owner: string; ownedByService: boolean }> = [];
  let NextToken: string | undefined;
  do {
    const out = await route53.send(
      new ListHostedZonesByVPCCommand({ VPCId: vpcId, VPCRegion: region as VPCRegion, NextToken }),
    );
    for (const z of out.HostedZoneSummaries ?? []) {
      zones.push({
        id: (z.HostedZoneId ?? '').replace(/^\/hostedzone\//, ''),
        name: (z.Name ?? '').replace(/\.$/, '').toLowerCase(),
        owner: z.Owner?.OwningService ?? z.Owner?.OwningAccount ?? '',
        ownedByService: Boolean(z.Owner?.OwningService),
      });
    }
    NextToken = out.NextToken;
  } while (NextToken);
  return zones;
}

/**
 * Services the deployed functions treat as served centrally: a private hosted zone of someone's, named after
 * the service's private DNS name, is associated with the VPC, so the planner creates no endpoint for it (it
 * could not get private DNS) and the agents resolve the name through that zone. Worth knowing, never blocking.
 */
export async function privateZonesItem(
  route53: Route53Client,
  vpcId: string,
  region: string,
  actions: readonly PlannedAction[],
): Promise<ChecklistItem> {
  const zones = await zonesOf(route53, vpcId, region);
  const central = actions
    .filter((a) => a.kind === 'covered' && a.service)
    .flatMap((a) => zones.filter((z) => z.id === a.targetId).map((z) => ({ service: a.service!, ...z })));
  const title = 'Private hosted zones';
  const details = { associatedZones: zones, servedCentrally: central };
  if (central.length === 0) {
    return {
      id: 'private-dns-zones',
      title,
      status: 'pass',
      summary: `no private hosted zone associated with ${vpcId} serves a configured service (${zones.length} zone(s) associated)`,
      details,
    };
  }
  return {
    id: 'private-dns-zones',
    title,
    status: 'warn',
    summary: central
      .map(
        (c) =>
          `${c.service} is served centrally: ${c.name} (${c.id}, owner ${c.owner}) is associated with ${vpcId}, so no endpoint of ours is created for it`,
      )
      .join('; '),
    fix: `nothing to do if the endpoints behind ${central.length > 1 ? 'those zones' : 'that zone'} serve this VPC; for an endpoint of its own, disassociate: ${central
      .map(
        (c) =>
          `aws route53 disassociate-vpc-from-hosted-zone --hosted-zone-id ${c.id} --vpc VPCRegion=${region},VPCId=${vpcId}`,
      )
      .join('; ')}`,
    details,
  };
}

// ------------------------------------------------------------------------------------------- the fleet

export function ssmItem(
  config: Config,
  fleet: readonly InstanceFacts[],
  actions: readonly PlannedAction[],
): ChecklistItem {
  const title = 'SSM agents';
  const ctx = { mode: 'all' as const, agentUpdate: config.restart.agentUpdate, fallback: 'report' as const };
  // Instances the workflow restarts through Run Command once SSM reaches them.
  const needSsm = fleet.filter((f) => decideInstance({ ...f, ssmPing: 'Online' }, ctx).kind === 'restart');
  const offline = needSsm.filter((f) => f.ssmPing !== 'Online' && f.ssmPing !== 'unknown');
  const unknown = needSsm.filter((f) => f.ssmPing === 'unknown');
  const details = {
    instances: needSsm.length,
    offline: offline.map((f) => ({ instanceId: f.instanceId, ping: f.ssmPing ?? 'not managed by SSM' })),
    unknown: unknown.map((f) => f.instanceId),
  };
  if (offline.length === 0) {
    return {
      id: 'ssm-agents',
      title,
      status: unknown.length ? 'warn' : 'pass',
      summary: unknown.length
        ? `SSM status unknown for ${listShort(unknown.map((f) => f.instanceId))} (DescribeInstanceInformation failed)`
        : needSsm.length
          ? `${needSsm.length} of ${needSsm.length} container instance(s) to restart are online in SSM`
          : 'no container instance in the VPC to restart through SSM',
      details,
    };
  }
  const ids = listShort(offline.map((f) => `${f.instanceId} (${f.ssmPing ?? 'not managed by SSM'})`));
  const ssmPlanned = actions.some(
    (a) => a.kind === 'create-interface-endpoint' && SSM_SERVICES.some((service) => service === a.service),
  );
  const register =
    'give the instances an instance profile with AmazonSSMManagedInstanceCore and a route to SSM (the ssm, ssmmessages and ec2messages endpoints, or a NAT)';
  if (ssmPlanned) {
    return {
      id: 'ssm-agents',
      title,
      status: 'warn',
      summary: `${offline.length} of ${needSsm.length} not online in SSM: ${ids}; the run creates the SSM endpoints first, which may bring them online`,
      fix: `if they stay offline after the first run: ${register}`,
      details,
    };
  }
  if (config.restart.fallback === 'reboot') {
    return {
      id: 'ssm-agents',
      title,
      status: 'warn',
      summary: `${offline.length} of ${needSsm.length} not online in SSM: ${ids}; they are rebooted instead (restart.fallback "reboot")`,
      fix: `to restart only the agent instead: ${register}`,
      details,
    };
  }
  return {
    id: 'ssm-agents',
    title,
    status: 'fail',
    summary: `${offline.length} of ${needSsm.length} not online in SSM: ${ids}; their agents cannot be restarted onto the endpoints`,
    fix: `${register}; or set restart.fallback to "reboot" and redeploy`,
    details,
  };
}

export function agentsItem(config: Config, fleet: readonly InstanceFacts[]): ChecklistItem {
  const title = 'ECS agents';
  const old = fleet.filter((f) =>
    f.agentVersion ? (compareVersions(f.agentVersion, MIN_AGENT_VERSION) ?? 0) < 0 : false,
  );
  const details = {
    instances: fleet.length,
    tooOld: old.map((f) => ({ instanceId: f.instanceId, agentVersion: f.agentVersion })),
  };
  if (old.length === 0) {
    return {
      id: 'ecs-agents',
      title,
      status: 'pass',
      summary: fleet.length
        ? `all ${fleet.length} agent(s) at ${MIN_AGENT_VERSION} or later`
        : 'no container instance in the VPC',
      details,
    };
  }
  const ids = listShort(old.map((f) => `${f.instanceId} (${f.agentVersion})`));
  if (config.restart.agentUpdate) {
    return {
      id: 'ecs-agents',
      title,
      status: 'warn',
      summary: `${old.length} agent(s) older than ${MIN_AGENT_VERSION}: ${ids}; the workflow updates them (restart.agentUpdate)`,
      fix: 'nothing to do; or update them yourself first (a newer ECS-optimized AMI)',
      details,
    };
  }
  return {
    id: 'ecs-agents',
    title,
    status: 'fail',
    summary: `${old.length} agent(s) older than ${MIN_AGENT_VERSION}: ${ids}; they cannot use the endpoints`,
    fix: `update them (aws ecs update-container-agent --cluster <cluster> --container-instance <arn>, or a newer ECS-optimized AMI), or set restart.agentUpdate and redeploy`,
    details,
  };
}
