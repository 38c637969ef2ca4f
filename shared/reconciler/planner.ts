// The planner: a pure function from a VPC's inventory and the config to an ordered list of actions, each
// with its reason. No I/O, no clock, no randomness: the same input always gives the same plan.
import { type Config, configuredInterfaceServices, type S3GatewayMode, SSM_SERVICES } from '../config';
import { ConfigError } from '../errors';
import { foreignGroupMessage, fullServiceName, isGoneState, isLiveState, MANAGED_TAG_VALUE } from './naming';
import type {
  DesiredSet,
  EndpointIpAddressType,
  EndpointSummary,
  Plan,
  PlannedAction,
  PrivateZoneInfo,
  ServiceOffering,
  SubnetInfo,
  VpcInventory,
} from './types';

/** The ECS control-plane endpoints are created in this order (agent first, the API last). */
export const ECS_SERVICE_ORDER = ['ecs-agent', 'ecs-telemetry', 'ecs'] as const;

/** The S3 gateway endpoint's short service name. */
export const S3_SERVICE = 's3';

/** Configured interface services with the ECS ones in agent, telemetry, ecs order; SSM ones before extras. */
export function orderedServices(config: Config, includeSsm: boolean): string[] {
  const isEcs = (s: string): boolean => (ECS_SERVICE_ORDER as readonly string[]).includes(s);
  const base = [...new Set(config.interfaceServices)];
  const ordered: string[] = [];
  for (const service of base) {
    if (!isEcs(service)) ordered.push(service);
    else if (!ordered.some(isEcs)) ordered.push(...ECS_SERVICE_ORDER.filter((s) => base.includes(s)));
  }
  if (includeSsm) ordered.push(...SSM_SERVICES);
  return [...new Set([...ordered, ...config.extraServices])];
}

/**
 * Every endpoint service (short name) this config may rely on: the configured interface services, the SSM ones
 * and, unless s3Gateway is never, S3. The inventory asks about these; the workflow waits for any of them.
 */
export function candidateServices(config: Config): Set<string> {
  const names = new Set([...configuredInterfaceServices(config), ...SSM_SERVICES]);
  if (config.s3Gateway !== 'never') names.add(S3_SERVICE);
  return names;
}

/** Every endpoint service name the inventory should ask DescribeVpcEndpointServices about. */
export function candidateServiceNames(config: Config, region: string): string[] {
  return [...candidateServices(config)].map((s) => fullServiceName(region, s)).sort();
}

function routeOf(inv: VpcInventory, subnet: SubnetInfo): string {
  return inv.routeTables.find((t) => t.id === subnet.routeTableId)?.defaultRoute ?? 'none';
}

/** Subnets that may host interface endpoints, per config.subnets. */
export function selectSubnets(config: Config, inv: VpcInventory, warnings: string[]): SubnetInfo[] {
  if (config.subnets === 'all') return inv.subnets;
  if (config.subnets === 'private') {
    const chosen = inv.subnets.filter((s) => routeOf(inv, s) !== 'internet');
    if (chosen.length === 0 && inv.subnets.length > 0) {
      warnings.push(
        'no private subnet (every subnet routes 0.0.0.0/0 to an internet gateway): no endpoint was planned; set subnets to "all" or a list of subnet IDs',
      );
    }
    return chosen;
  }
  const wanted = new Set(config.subnets);
  const chosen = inv.subnets.filter((s) => wanted.has(s.id));
  // One subnet list serves every opted-in VPC, so IDs of other VPCs are expected. A VPC that has subnets but
  // none of the listed ones would otherwise get nothing and still look converged: that is a config error.
  if (chosen.length === 0 && inv.subnets.length > 0) {
    throw new ConfigError(
      `subnets: none of ${config.subnets.join(', ')} is in ${inv.vpcId}; add a subnet of this VPC to the list, or set subnets to "private" or "all"`,
      { field: 'subnets', vpcId: inv.vpcId },
    );
  }
  return chosen;
}

export function desiredSet(config: Config, inv: VpcInventory, warnings: string[] = []): DesiredSet {
  const selected = selectSubnets(config, inv, warnings);
  if (inv.subnets.length === 0) warnings.push(`${inv.vpcId} has no subnets yet: no endpoint was planned`);
  let includeSsm: boolean;
  let ssmDecision: string;
  if (config.ssmEndpoints === 'always') {
    includeSsm = true;
    ssmDecision = 'ssmEndpoints is "always"';
  } else if (config.ssmEndpoints === 'never') {
    includeSsm = false;
    ssmDecision = 'ssmEndpoints is "never"';
  } else {
    const isolated = selected.filter((s) => routeOf(inv, s) === 'none').map((s) => s.id);
    includeSsm = isolated.length > 0;
    ssmDecision = includeSsm
      ? `ssmEndpoints is "auto" and ${isolated.length} selected subnet(s) have no route to a NAT or the internet`
      : 'ssmEndpoints is "auto" and every selected subnet routes 0.0.0.0/0 to a NAT or the internet';
  }
  return {
    interfaceServices: orderedServices(config, includeSsm),
    s3Gateway: config.s3Gateway,
    subnetIds: selected.map((s) => s.id),
    ssmDecision,
  };
}

const azKey = (s: SubnetInfo): string => s.azId || s.azName;

/** One subnet per AZ: the lowest subnet ID, so the choice is stable between runs. */
function subnetPerAz(subnets: SubnetInfo[]): Map<string, SubnetInfo> {
  const byAz = new Map<string, SubnetInfo>();
  for (const s of [...subnets].sort((a, b) => a.id.localeCompare(b.id))) {
    if (!byAz.has(azKey(s))) byAz.set(azKey(s), s);
  }
  return byAz;
}

function liveEndpoints(inv: VpcInventory, service: string, type: 'Interface' | 'Gateway'): EndpointSummary[] {
  return inv.endpoints.filter((e) => e.service === service && e.type === type && isLiveState(e.state));
}

function deadManagedEndpoints(inv: VpcInventory, service: string, type: 'Interface' | 'Gateway'): string[] {
  return inv.endpoints
    .filter((e) => e.service === service && e.type === type && e.managed && !isLiveState(e.state))
    .filter((e) => !isGoneState(e.state))
    .map((e) => e.id);
}

const missing = (wanted: string[], have: string[]): string[] => wanted.filter((x) => !have.includes(x));

/** Builds the ordered plan. Pure: reads only its arguments. */
export function planActions(config: Config, inv: VpcInventory): Plan {
  const warnings: string[] = [];
  const desired = desiredSet(config, inv, warnings);
  const vpcId = inv.vpcId;
  const selected = inv.subnets.filter((s) => desired.subnetIds.includes(s.id));
  const perAz = subnetPerAz(selected);
  const subnetById = new Map(inv.subnets.map((s) => [s.id, s]));

  const endpointActions: PlannedAction[] = [];
  const ipHeldBack: string[] = [];
  let needSecurityGroup = false;
  if (selected.length > 0) {
    for (const service of desired.interfaceServices) {
      const serviceName = fullServiceName(inv.region, service);
      const existing = liveEndpoints(inv, service, 'Interface');
      const ours = existing.filter((e) => e.managed);
      const foreign = existing.filter((e) => !e.managed);
      if (ours.length === 0 && foreign.length > 0) {
        endpointActions.push({
          kind: 'covered',
          vpcId,
          service,
          serviceName,
          resourceIds: foreign.map((e) => e.id),
          targetId: foreign[0]!.id,
          reason: `${service} is covered by ${foreign.map((e) => e.id).join(', ')}, which privatelink-ecs did not create; left alone`,
        });
        continue;
      }
      const offering = inv.offerings.find((o) => o.service === service && o.type === 'Interface');
      // A private hosted zone of someone's for the service's DNS name, associated with this VPC: the service is
      // served centrally (shared endpoints in a hub VPC). An endpoint of ours could not get private DNS while
      // the zone is there, so nothing is created; the agents resolve the name through that zone.
      const central = ours.length === 0 ? centralZone(inv, offering) : undefined;
      if (central) {
        endpointActions.push({
          kind: 'covered',
          vpcId,
          service,
          serviceName,
          resourceIds: [central.id],
          targetId: central.id,
          reason: `${service} is served centrally: the private hosted zone ${central.name} (${central.id}) is associated with ${vpcId}, so no endpoint is created here`,
        });
        continue;
      }
      if (!offering) {
        warnings.push(
          `${serviceName} is not offered as an interface endpoint service in ${inv.region}; skipped`,
        );
        continue;
      }
      const supported = new Set(offering.azIds);
      const wantedAzs = [...perAz.keys()].filter((az) => supported.has(az)).sort();
      const unsupported = [...perAz.keys()].filter((az) => !supported.has(az)).sort();
      if (unsupported.length > 0) {
        warnings.push(
          `${service} is not offered in ${unsupported.join(', ')}; those AZs get no ${service} endpoint`,
        );
      }
      if (wantedAzs.length === 0) continue;
      needSecurityGroup = true;
      if (ours.length > 0) {
        const target = ours[0]!;
        if (ours.length > 1) {
          warnings.push(
            `${service} has ${ours.length} endpoints created by privatelink-ecs (${ours.map((e) => e.id).join(', ')}); keeping ${target.id}, delete the others by hand`,
          );
        }
        const coveredAzs = target.subnetIds
          .map((id) => subnetById.get(id))
          .filter(Boolean)
          .map((s) => azKey(s!));
        // A subnet joins an endpoint only if it has the addresses the endpoint's IP type needs.
        const ipType = (target.ipAddressType ?? 'ipv4') as EndpointIpAddressType;
        const candidates = missing(wantedAzs, coveredAzs).map((az) => perAz.get(az)!);
        const misfits = candidates.filter((s) => !subnetSuits(s, ipType));
        const add = candidates
          .filter((s) => subnetSuits(s, ipType))
          .map((s) => s.id)
          .sort();
        if (misfits.length > 0) {
          const ids = misfits.map((s) => s.id).sort();
          warnings.push(
            `${target.id} (${service}) is an ${ipType} endpoint: ${plural(ids, 'subnet', 'subnets')} ${ids.length === 1 ? 'lacks' : 'lack'} the ${ipType === 'ipv4' ? 'IPv4' : ipType === 'ipv6' ? 'IPv6' : 'IPv4 and IPv6'} addresses it needs, so ${ids.length === 1 ? 'its AZ gets' : 'their AZs get'} no ${service} endpoint; change its IP address type (ModifyVpcEndpoint IpAddressType) or select other subnets`,
          );
        } else {
          // What a new endpoint on these subnets would get; an existing endpoint's type is left as it is.
          const subnets = [...target.subnetIds, ...add].flatMap((id) => subnetById.get(id) ?? []);
          const fit = ipAddressTypeFor(service, subnets, offering);
          if (fit.type !== ipType && !fit.warning) {
            warnings.push(
              `${target.id} (${service}) is an ${ipType} endpoint, and its subnets now allow ${fit.type}; privatelink-ecs keeps an existing endpoint's IP address type: change it with ModifyVpcEndpoint IpAddressType=${fit.type} if wanted`,
            );
          }
        }
        if (add.length > 0) {
          endpointActions.push({
            kind: 'add-endpoint-subnets',
            vpcId,
            service,
            serviceName,
            resourceIds: add,
            targetId: target.id,
            reason: `${target.id} (${service}) has no subnet in ${add.length} selected AZ(s) that ${service} supports`,
          });
        }
        continue;
      }
      const dead = deadManagedEndpoints(inv, service, 'Interface');
      const ip = ipAddressTypeFor(
        service,
        wantedAzs.map((az) => perAz.get(az)!),
        offering,
      );
      if (ip.warning) warnings.push(ip.warning);
      if (ip.subnetIds.length === 0) {
        // No subnet this service can have an endpoint in: the set stays incomplete, restart no agent onto it.
        ipHeldBack.push(service);
        continue;
      }
      endpointActions.push({
        kind: 'create-interface-endpoint',
        vpcId,
        service,
        serviceName,
        ...(ip.type !== 'ipv4' ? { ipAddressType: ip.type } : {}),
        resourceIds: ip.subnetIds,
        reason:
          dead.length > 0
            ? `${service} has no working endpoint (${dead.join(', ')} is not available); creating one with private DNS in ${wantedAzs.length} AZ(s)`
            : `${service} has no endpoint; creating one with private DNS in ${wantedAzs.length} AZ(s)`,
        ...(dead.length > 0 ? { replaces: dead } : {}),
      });
    }
  }

  const actions: PlannedAction[] = [];
  // Our group cannot be created under its name, and someone else's group must not front our endpoints (it
  // need not admit 443): no interface endpoint is created until the name is free or the group is ours.
  const nameTaken = !inv.securityGroup && Boolean(inv.groupNameTakenBy);
  const blocked = nameTaken ? endpointActions.filter((a) => a.kind === 'create-interface-endpoint') : [];
  if (blocked.length > 0) {
    warnings.push(
      `${foreignGroupMessage(config, inv.groupNameTakenBy!)}: no endpoint was created for ${blocked.map((a) => a.service).join(', ')}; rename that group, or tag it ${config.managedTagKey}=${MANAGED_TAG_VALUE} to let privatelink-ecs use it`,
    );
  }
  if (needSecurityGroup || inv.securityGroup) {
    if (!inv.dnsSupport) {
      actions.push({
        kind: 'enable-dns-support',
        vpcId,
        resourceIds: [vpcId],
        reason: 'private DNS for interface endpoints needs enableDnsSupport on the VPC',
      });
    }
    if (!inv.dnsHostnames) {
      actions.push({
        kind: 'enable-dns-hostnames',
        vpcId,
        resourceIds: [vpcId],
        reason: 'private DNS for interface endpoints needs enableDnsHostnames on the VPC',
      });
    }
  }
  if (inv.securityGroup) {
    const sg = inv.securityGroup;
    const v4 = missing(inv.cidrs, sg.ingressCidrs);
    const v6 = missing(inv.ipv6Cidrs, sg.ingressIpv6Cidrs);
    if (v4.length + v6.length > 0) {
      actions.push({
        kind: 'authorize-security-group-ingress',
        vpcId,
        resourceIds: [sg.id],
        targetId: sg.id,
        cidrs: v4,
        ipv6Cidrs: v6,
        reason: `${sg.id} does not yet admit TCP 443 from VPC CIDR(s) ${[...v4, ...v6].join(', ')}`,
      });
    }
  } else if (needSecurityGroup && !nameTaken) {
    actions.push({
      kind: 'create-security-group',
      vpcId,
      resourceIds: [vpcId],
      cidrs: [...inv.cidrs],
      ipv6Cidrs: [...inv.ipv6Cidrs],
      reason: `interface endpoints need a security group admitting TCP 443 from ${[...inv.cidrs, ...inv.ipv6Cidrs].join(', ')}`,
    });
  }
  for (const action of endpointActions) {
    if (blocked.includes(action)) continue;
    if (action.kind === 'create-interface-endpoint' && inv.securityGroup)
      action.securityGroupId = inv.securityGroup.id;
    actions.push(action);
  }

  if (desired.s3Gateway !== 'never' && selected.length > 0) {
    actions.push(...planS3Gateway(desired.s3Gateway, inv, selected, warnings));
  }
  return {
    vpcId,
    desired,
    actions,
    warnings,
    ...(blocked.length + ipHeldBack.length > 0
      ? { heldBack: [...blocked.map((a) => a.service!), ...ipHeldBack] }
      : {}),
  };
}

/** The associated private hosted zone (not AWS-owned) named after one of the service's private DNS names. */
function centralZone(inv: VpcInventory, offering: ServiceOffering | undefined): PrivateZoneInfo | undefined {
  const names = new Set(offering?.privateDnsNames ?? []);
  return (inv.privateZones ?? []).find((z) => names.has(z.name));
}

/**
 * The IP address type of a new interface endpoint, from its subnets and the service's SupportedIpAddressTypes:
 * all IPv6-only → ipv6; all dual-stack → dualstack; otherwise ipv4. An IPv6-only subnet cannot host an ipv4
 * endpoint, so it is left out (with a warning) when the service has no IPv6 or the other subnets have IPv4.
 */
export function ipAddressTypeFor(
  service: string,
  subnets: readonly SubnetInfo[],
  offering: ServiceOffering,
): { type: EndpointIpAddressType; subnetIds: string[]; warning?: string } {
  const hasV4 = (s: SubnetInfo) => s.ipv4 !== false;
  const hasV6 = (s: SubnetInfo) => s.ipv6 === true;
  const ids = (list: readonly SubnetInfo[]) => list.map((s) => s.id).sort();
  const serviceV6 = (offering.ipAddressTypes ?? []).includes('ipv6');
  const v6Only = subnets.filter((s) => !hasV4(s));
  if (serviceV6 && subnets.length > 0 && v6Only.length === subnets.length) {
    return { type: 'ipv6', subnetIds: ids(subnets) };
  }
  if (serviceV6 && subnets.length > 0 && subnets.every((s) => hasV4(s) && hasV6(s))) {
    return { type: 'dualstack', subnetIds: ids(subnets) };
  }
  const usable = subnets.filter(hasV4);
  if (v6Only.length === 0) return { type: 'ipv4', subnetIds: ids(usable) };
  const why = serviceV6
    ? `an endpoint cannot mix IPv6-only subnets with the IPv4 subnet(s) ${ids(usable).join(', ')}`
    : `${service} does not support IPv6 (SupportedIpAddressTypes: ${(offering.ipAddressTypes ?? ['ipv4']).join(', ')})`;
  const consequence =
    usable.length === 0
      ? `the selected subnets (${ids(v6Only).join(', ')}) are IPv6-only, so no ${service} endpoint is created and agents in this VPC cannot reach ${service} through PrivateLink; add a dual-stack subnet per AZ, or reach ${service} another way`
      : `${plural(ids(v6Only), 'IPv6-only subnet', 'IPv6-only subnets')} get no ${service} endpoint (the others get an ipv4 one)`;
  return { type: 'ipv4', subnetIds: ids(usable), warning: `${service}: ${why}: ${consequence}` };
}

/** Whether a subnet has the addresses an endpoint of this IP type needs. */
function subnetSuits(subnet: SubnetInfo, type: EndpointIpAddressType): boolean {
  const v4 = subnet.ipv4 !== false;
  const v6 = subnet.ipv6 === true;
  return type === 'ipv4' ? v4 : type === 'ipv6' ? v6 : v4 && v6;
}

const plural = (ids: string[], one: string, many: string): string =>
  `${ids.length === 1 ? one : many} ${ids.join(', ')}`;

/** Uncovered route tables whose 0.0.0.0/0 goes to a NAT gateway, grouped by that NAT (in table order). */
function natRouted(inv: VpcInventory, tableIds: string[]): Map<string, string[]> {
  const byNat = new Map<string, string[]>();
  for (const id of tableIds) {
    const table = inv.routeTables.find((t) => t.id === id);
    if (table?.defaultRoute !== 'nat') continue;
    const nat = table.natGatewayId ?? 'a NAT gateway';
    byNat.set(nat, [...(byNat.get(nat) ?? []), id]);
  }
  return byNat;
}

/**
 * The S3 gateway on the route tables of the selected subnets. A route table takes one S3 route: one already on
 * someone else's S3 gateway is covered as it is, and that endpoint is never modified. The other tables get an
 * S3 gateway of ours: added to ours if we have one, else a new one (a VPC may hold several S3 gateways). Under
 * `auto`, tables whose 0.0.0.0/0 goes to a NAT gateway are left off, with a warning naming each and its NAT.
 */
function planS3Gateway(
  mode: S3GatewayMode,
  inv: VpcInventory,
  selected: SubnetInfo[],
  warnings: string[],
): PlannedAction[] {
  const vpcId = inv.vpcId;
  const serviceName = fullServiceName(inv.region, S3_SERVICE);
  const wanted = [
    ...new Set(selected.map((s) => s.routeTableId).filter((id): id is string => Boolean(id))),
  ].sort();
  if (wanted.length === 0) return [];
  if (!inv.offerings.some((o) => o.service === S3_SERVICE && o.type === 'Gateway')) {
    warnings.push(`${serviceName} is not offered as a gateway endpoint service in ${inv.region}; skipped`);
    return [];
  }
  const existing = liveEndpoints(inv, S3_SERVICE, 'Gateway');
  const covered = new Set(existing.flatMap((e) => e.routeTableIds));
  const out: PlannedAction[] = [];
  const theirs = existing.filter((e) => !e.managed && e.routeTableIds.some((rt) => wanted.includes(rt)));
  if (theirs.length > 0) {
    const tables = wanted.filter((rt) => theirs.some((e) => e.routeTableIds.includes(rt)));
    const ids = theirs.map((e) => e.id);
    out.push({
      kind: 'covered',
      vpcId,
      service: S3_SERVICE,
      serviceName,
      resourceIds: ids,
      targetId: ids[0]!,
      reason: `${plural(tables, 'route table', 'route tables')} ${tables.length === 1 ? 'is' : 'are'} on the S3 gateway ${ids.join(', ')}, which privatelink-ecs did not create; left as ${tables.length === 1 ? 'it is' : 'they are'}`,
    });
  }
  let uncovered = wanted.filter((rt) => !covered.has(rt));
  const viaNat = natRouted(inv, uncovered);
  if (mode === 'auto') {
    for (const [nat, tables] of viaNat) {
      const one = tables.length === 1;
      warnings.push(
        `${plural(tables, 'route table', 'route tables')} ${one ? 'sends' : 'send'} 0.0.0.0/0 to ${nat}: adding the S3 gateway would move ${one ? 'its' : 'their'} S3 traffic off the NAT (open connections break, bucket policies keyed on the NAT's address with aws:SourceIp deny), so s3Gateway "auto" leaves ${one ? 'it' : 'them'} off; set s3Gateway to "always" to include ${one ? 'it' : 'them'}`,
      );
    }
    const skipped = new Set([...viaNat.values()].flat());
    uncovered = uncovered.filter((rt) => !skipped.has(rt));
  }
  // A failed (or rejected, expired) S3 gateway still holds its route tables' one S3 route: EC2 refuses a
  // second one there (RouteAlreadyExists), and it is not ours to delete (or, if ours, deleting is teardown's).
  const stuck = inv.endpoints.filter(
    (e) => e.service === S3_SERVICE && e.type === 'Gateway' && !isLiveState(e.state) && !isGoneState(e.state),
  );
  const blocked = uncovered.filter((rt) => stuck.some((e) => e.routeTableIds.includes(rt)));
  if (blocked.length > 0) {
    const holders = stuck.filter((e) => e.routeTableIds.some((rt) => blocked.includes(rt)));
    warnings.push(
      `route table(s) ${blocked.join(', ')} still carry the S3 route of ${holders.map((e) => `${e.id} (${e.state})`).join(', ')}; a route table takes one S3 route, so the S3 gateway cannot be added there until that endpoint is deleted`,
    );
  }
  const add = uncovered.filter((rt) => !blocked.includes(rt));
  if (add.length === 0) return out;
  // Only under "always" can NAT-routed tables be left in `add`: the reason says what that does.
  const natNote = [...viaNat]
    .map(([nat, tables]) => [nat, tables.filter((rt) => add.includes(rt))] as const)
    .filter(([, tables]) => tables.length > 0)
    .map(([nat, tables]) => `${tables.join(', ')} via ${nat}`);
  const natSuffix =
    natNote.length > 0
      ? `; s3Gateway is "always", so this includes route tables whose 0.0.0.0/0 goes to a NAT (${natNote.join('; ')}): their S3 traffic moves off the NAT`
      : '';
  const target = existing.find((e) => e.managed);
  if (target) {
    out.push({
      kind: 'add-gateway-route-tables',
      vpcId,
      service: S3_SERVICE,
      serviceName,
      resourceIds: add,
      targetId: target.id,
      reason: `${target.id} (S3 gateway) is missing route table(s) ${add.join(', ')}${natSuffix}`,
    });
    return out;
  }
  out.push({
    kind: 'create-gateway-endpoint',
    vpcId,
    service: S3_SERVICE,
    serviceName,
    resourceIds: add,
    reason:
      (existing.length > 0
        ? `no S3 gateway endpoint of privatelink-ecs (someone else's ${existing.map((e) => e.id).join(', ')} is never modified); creating one on the ${add.length} route table(s) of the selected subnets that no S3 gateway covers`
        : `no S3 gateway endpoint; creating one on ${add.length} route table(s) of the selected subnets`) +
      natSuffix,
  });
  return out;
}
