import { type ConfigInput, parseConfig } from '../../../shared/config';
import { candidateServiceNames, orderedServices, planActions } from '../../../shared/reconciler/planner';
import type { EndpointSummary, PlannedAction, VpcInventory } from '../../../shared/reconciler/types';

const REGION = 'us-east-1';
const AZ = [
  ['us-east-1a', 'use1-az6'],
  ['us-east-1b', 'use1-az1'],
  ['us-east-1c', 'use1-az2'],
] as const;
const ALL_AZ_IDS = AZ.map(([, id]) => id);
const SERVICES = [
  'ecr.api',
  'ecr.dkr',
  'ecs-agent',
  'ecs-telemetry',
  'ecs',
  'ssm',
  'ssmmessages',
  'ec2messages',
];

/** A converged-looking 3-AZ VPC: public subnets on rtb-pub, private ones on rtb-p0..2, DNS on, no endpoints. */
function inventory(overrides: Partial<VpcInventory> = {}): VpcInventory {
  return {
    vpcId: 'vpc-00000000000000001',
    region: REGION,
    tags: { 'privatelink-ecs': 'enabled' },
    cidrs: ['10.0.0.0/16'],
    ipv6Cidrs: [],
    dnsSupport: true,
    dnsHostnames: true,
    subnets: [
      ...AZ.map(([azName, azId], i) => ({ id: `subnet-pub${i}`, azName, azId, routeTableId: 'rtb-pub' })),
      ...AZ.map(([azName, azId], i) => ({ id: `subnet-prv${i}`, azName, azId, routeTableId: `rtb-p${i}` })),
    ],
    routeTables: [
      { id: 'rtb-main', main: true, defaultRoute: 'none', subnetIds: [] },
      {
        id: 'rtb-pub',
        main: false,
        defaultRoute: 'internet',
        subnetIds: ['subnet-pub0', 'subnet-pub1', 'subnet-pub2'],
      },
      ...[0, 1, 2].map((i) => ({
        id: `rtb-p${i}`,
        main: false,
        defaultRoute: 'none' as const,
        subnetIds: [`subnet-prv${i}`],
      })),
    ],
    endpoints: [],
    offerings: [
      ...SERVICES.map((s) => ({
        service: s,
        serviceName: `com.amazonaws.${REGION}.${s}`,
        type: 'Interface' as const,
        azIds: ALL_AZ_IDS,
      })),
      { service: 's3', serviceName: `com.amazonaws.${REGION}.s3`, type: 'Gateway', azIds: ALL_AZ_IDS },
    ],
    securityGroup: {
      id: 'sg-ours',
      name: 'privatelink-ecs-endpoints',
      ingressCidrs: ['10.0.0.0/16'],
      ingressIpv6Cidrs: [],
    },
    ...overrides,
  };
}

function endpoint(e: Partial<EndpointSummary> & Pick<EndpointSummary, 'id' | 'service'>): EndpointSummary {
  return { type: 'Interface', state: 'available', managed: true, subnetIds: [], routeTableIds: [], ...e };
}

/** Every service we would want, already there and ours, plus our S3 gateway. */
function convergedEndpoints(services = SERVICES): EndpointSummary[] {
  return [
    ...services.map((s, i) =>
      endpoint({ id: `vpce-${i}`, service: s, subnetIds: ['subnet-prv0', 'subnet-prv1', 'subnet-prv2'] }),
    ),
    endpoint({
      id: 'vpce-s3',
      service: 's3',
      type: 'Gateway',
      routeTableIds: ['rtb-p0', 'rtb-p1', 'rtb-p2'],
    }),
  ];
}

const summary = (a: PlannedAction) => ({
  kind: a.kind,
  service: a.service,
  resourceIds: a.resourceIds,
  targetId: a.targetId,
});
const plan = (config: ConfigInput, inv: VpcInventory) => planActions(parseConfig(config), inv);

describe('planner', () => {
  it('plans nothing for a converged VPC', () => {
    // Act
    const result = plan({}, inventory({ endpoints: convergedEndpoints() }));

    // Assess
    expect(result.actions).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  it('orders a fresh VPC: DNS one per call, security group, interface endpoints (ECS agent, telemetry, ecs), S3 gateway', () => {
    // Prepare
    const inv = inventory({ dnsSupport: false, dnsHostnames: false, securityGroup: undefined });

    // Act
    const result = plan({ ssmEndpoints: 'never' }, inv);

    // Assess
    expect(result.actions.map((a) => [a.kind, a.service ?? null])).toEqual([
      ['enable-dns-support', null],
      ['enable-dns-hostnames', null],
      ['create-security-group', null],
      ['create-interface-endpoint', 'ecr.api'],
      ['create-interface-endpoint', 'ecr.dkr'],
      ['create-interface-endpoint', 'ecs-agent'],
      ['create-interface-endpoint', 'ecs-telemetry'],
      ['create-interface-endpoint', 'ecs'],
      ['create-gateway-endpoint', 's3'],
    ]);
    expect(result.actions[2]!.cidrs).toEqual(['10.0.0.0/16']);
    for (const a of result.actions.filter((x) => x.kind === 'create-interface-endpoint')) {
      expect(a.resourceIds).toEqual(['subnet-prv0', 'subnet-prv1', 'subnet-prv2']);
      expect(a.securityGroupId).toBeUndefined();
      expect(a.reason).toContain('private DNS');
    }
    expect(result.actions.at(-1)!.resourceIds).toEqual(['rtb-p0', 'rtb-p1', 'rtb-p2']);
  });

  it.each<[string, ConfigInput, Partial<VpcInventory>, string[]]>([
    ['auto adds SSM when private subnets have no NAT or internet route', {}, {}, SERVICES],
    [
      'auto leaves SSM out when every selected subnet routes through a NAT',
      {},
      {
        routeTables: [
          {
            id: 'rtb-pub',
            main: true,
            defaultRoute: 'internet',
            subnetIds: ['subnet-pub0', 'subnet-pub1', 'subnet-pub2'],
          },
          ...[0, 1, 2].map((i) => ({
            id: `rtb-p${i}`,
            main: false,
            defaultRoute: 'nat' as const,
            subnetIds: [`subnet-prv${i}`],
          })),
        ],
      },
      SERVICES.slice(0, 5),
    ],
    ['never leaves SSM out', { ssmEndpoints: 'never' }, {}, SERVICES.slice(0, 5)],
    [
      'extraServices come last',
      { ssmEndpoints: 'never', extraServices: ['logs'] },
      {},
      [...SERVICES.slice(0, 5), 'logs'],
    ],
    [
      'the ECS services are reordered agent, telemetry, ecs whatever the config order',
      { ssmEndpoints: 'never', interfaceServices: ['ecs', 'ecr.api', 'ecs-telemetry', 'ecs-agent'] },
      {},
      ['ecs-agent', 'ecs-telemetry', 'ecs', 'ecr.api'],
    ],
  ])('desired set: %s', (_name, config, overrides, expected) => {
    // Prepare
    const offerings = [
      ...inventory().offerings,
      {
        service: 'logs',
        serviceName: `com.amazonaws.${REGION}.logs`,
        type: 'Interface' as const,
        azIds: ALL_AZ_IDS,
      },
    ];

    // Act
    const result = plan(config, inventory({ offerings, ...overrides }));

    // Assess
    expect(
      result.actions.filter((a) => a.kind === 'create-interface-endpoint').map((a) => a.service),
    ).toEqual(expected);
    expect(result.desired.interfaceServices).toEqual(expected);
  });

  it.each<[string, ConfigInput['subnets'], string[]]>([
    [
      'private (default) skips subnets routed to an internet gateway',
      'private',
      ['subnet-prv0', 'subnet-prv1', 'subnet-prv2'],
    ],
    ['all picks one subnet per AZ, the lowest ID', 'all', ['subnet-pa0', 'subnet-pa1', 'subnet-pa2']],
    [
      'an explicit list is honoured',
      ['subnet-0000000a', 'subnet-0000000b'],
      ['subnet-0000000a', 'subnet-0000000b'],
    ],
  ])('subnet selection: %s', (_name, subnets, expected) => {
    // Prepare: public subnets whose IDs sort first, and one more private subnet in the first AZ
    const inv = inventory();
    inv.subnets = inv.subnets.map((s) =>
      s.id.startsWith('subnet-pub') ? { ...s, id: s.id.replace('pub', 'pa') } : s,
    );
    inv.subnets.push({ id: 'subnet-zzz', azName: 'us-east-1a', azId: 'use1-az6', routeTableId: 'rtb-p0' });
    if (Array.isArray(subnets)) {
      inv.subnets.push({
        id: 'subnet-0000000a',
        azName: 'us-east-1a',
        azId: 'use1-az6',
        routeTableId: 'rtb-pub',
      });
      inv.subnets.push({
        id: 'subnet-0000000b',
        azName: 'us-east-1b',
        azId: 'use1-az1',
        routeTableId: 'rtb-p1',
      });
    }

    // Act
    const result = plan({ subnets, ssmEndpoints: 'never' }, inv);

    // Assess
    const first = result.actions.find((a) => a.kind === 'create-interface-endpoint')!;
    expect(first.resourceIds).toEqual(expected);
  });

  it('only uses AZs the service supports, matched by AZ ID, and warns about the others', () => {
    // Prepare
    const inv = inventory();
    inv.offerings = inv.offerings.map((o) =>
      o.service === 'ecs-telemetry' ? { ...o, azIds: ['use1-az6', 'use1-az2'] } : o,
    );

    // Act
    const result = plan({ ssmEndpoints: 'never' }, inv);

    // Assess
    const telemetry = result.actions.find((a) => a.service === 'ecs-telemetry')!;
    expect(telemetry.resourceIds).toEqual(['subnet-prv0', 'subnet-prv2']);
    expect(result.warnings).toEqual([
      'ecs-telemetry is not offered in use1-az1; those AZs get no ecs-telemetry endpoint',
    ]);
  });

  it('adds missing subnets to an endpoint we created earlier', () => {
    // Prepare
    const endpoints = convergedEndpoints(SERVICES.slice(0, 5));
    endpoints[0] = endpoint({ id: 'vpce-0', service: 'ecr.api', subnetIds: ['subnet-prv0'] });

    // Act
    const result = plan({ ssmEndpoints: 'never' }, inventory({ endpoints }));

    // Assess
    expect(result.actions.map(summary)).toEqual([
      {
        kind: 'add-endpoint-subnets',
        service: 'ecr.api',
        resourceIds: ['subnet-prv1', 'subnet-prv2'],
        targetId: 'vpce-0',
      },
    ]);
  });

  it("reports a service covered by someone else's endpoint and plans nothing for it", () => {
    // Prepare
    const endpoints = convergedEndpoints(SERVICES.slice(0, 5)).filter((e) => e.service !== 'ecr.dkr');
    endpoints.push(
      endpoint({ id: 'vpce-theirs', service: 'ecr.dkr', managed: false, subnetIds: ['subnet-prv0'] }),
    );

    // Act
    const result = plan({ ssmEndpoints: 'never' }, inventory({ endpoints }));

    // Assess
    expect(result.actions).toHaveLength(1);
    expect(result.actions[0]).toMatchObject({ kind: 'covered', service: 'ecr.dkr', targetId: 'vpce-theirs' });
    expect(result.actions[0]!.reason).toContain('covered by vpce-theirs');
  });

  it('authorizes only the CIDRs our existing security group lacks', () => {
    // Act
    const result = plan(
      { ssmEndpoints: 'never' },
      inventory({
        endpoints: convergedEndpoints(SERVICES.slice(0, 5)),
        cidrs: ['10.0.0.0/16', '10.1.0.0/16'],
        ipv6Cidrs: ['2600:1f18::/56'],
      }),
    );

    // Assess
    expect(result.actions).toEqual([
      expect.objectContaining({
        kind: 'authorize-security-group-ingress',
        targetId: 'sg-ours',
        cidrs: ['10.1.0.0/16'],
        ipv6Cidrs: ['2600:1f18::/56'],
      }),
    ]);
  });

  it('replaces our failed endpoint and ignores endpoints that are not live for coverage', () => {
    // Prepare
    const endpoints = convergedEndpoints(SERVICES.slice(0, 5)).filter((e) => e.service !== 'ecs');
    endpoints.push(endpoint({ id: 'vpce-failed', service: 'ecs', state: 'failed' }));

    // Act
    const result = plan({ ssmEndpoints: 'never' }, inventory({ endpoints }));

    // Assess
    expect(result.actions).toEqual([
      expect.objectContaining({
        kind: 'create-interface-endpoint',
        service: 'ecs',
        replaces: ['vpce-failed'],
        securityGroupId: 'sg-ours',
      }),
    ]);
  });

  it.each<[string, Partial<VpcInventory>, string]>([
    ['a VPC with no subnets yet', { subnets: [], routeTables: [] }, 'has no subnets yet'],
    [
      'a VPC whose every subnet is public',
      {
        subnets: AZ.map(([azName, azId], i) => ({
          id: `subnet-pub${i}`,
          azName,
          azId,
          routeTableId: 'rtb-pub',
        })),
      },
      'no private subnet',
    ],
  ])('plans no endpoint and warns for %s', (_name, overrides, warning) => {
    // Act
    const result = plan({}, inventory({ securityGroup: undefined, ...overrides }));

    // Assess
    expect(result.actions).toEqual([]);
    expect(result.warnings.join(' ')).toContain(warning);
  });

  it('warns about, and skips, a service the region does not offer', () => {
    // Act
    const result = plan(
      { ssmEndpoints: 'never', extraServices: ['not-a-service'] },
      inventory({ endpoints: convergedEndpoints(SERVICES.slice(0, 5)) }),
    );

    // Assess
    expect(result.actions).toEqual([]);
    expect(result.warnings).toEqual([
      'com.amazonaws.us-east-1.not-a-service is not offered as an interface endpoint service in us-east-1; skipped',
    ]);
  });

  it('fails with a ConfigError naming subnets when none of the listed subnets is in the VPC', () => {
    // Prepare
    const inv = inventory({ securityGroup: undefined });

    // Act
    const act = () => plan({ subnets: ['subnet-0e1000001', 'subnet-0e1000002'] }, inv);

    // Assess
    expect(act).toThrow(
      expect.objectContaining({
        name: 'InvalidConfig',
        message: expect.stringMatching(/subnets: none of subnet-0e1000001, subnet-0e1000002 is in vpc-/),
        context: expect.objectContaining({ field: 'subnets', vpcId: 'vpc-00000000000000001' }),
      }),
    );
  });

  it('plans on the listed subnets that are in the VPC and ignores those of other VPCs', () => {
    // Prepare
    const base = inventory({ securityGroup: undefined });
    const inv = {
      ...base,
      subnets: [
        ...base.subnets,
        { id: 'subnet-0a1000001', azName: 'us-east-1b', azId: 'use1-az1', routeTableId: 'rtb-p1' },
      ],
    };

    // Act
    const result = plan({ ssmEndpoints: 'never', subnets: ['subnet-0a1000001', 'subnet-0e1000009'] }, inv);

    // Assess
    const creates = result.actions.filter((a) => a.kind === 'create-interface-endpoint');
    expect(creates).toHaveLength(5);
    expect(creates.every((a) => a.resourceIds.join() === 'subnet-0a1000001')).toBe(true);
  });

  it('is pure: the same input gives the same plan and the input is not modified', () => {
    // Prepare
    const inv = inventory({ dnsHostnames: false, securityGroup: undefined });
    const before = structuredClone(inv);

    // Act
    const a = plan({}, inv);
    const b = plan({}, inv);

    // Assess
    expect(a).toEqual(b);
    expect(inv).toEqual(before);
  });

  it('orderedServices keeps ecs-agent, ecs-telemetry, ecs in that order', () => {
    // Act + Assess
    expect(orderedServices(parseConfig({ interfaceServices: ['ecs', 'ecs-agent'] }), false)).toEqual([
      'ecs-agent',
      'ecs',
    ]);
  });
});

/** Everything converged but the S3 gateway: our interface endpoints, with `gateways` as the only S3 endpoints. */
function withGateways(...gateways: EndpointSummary[]): EndpointSummary[] {
  return [...convergedEndpoints(SERVICES.slice(0, 5)).filter((e) => e.service !== 's3'), ...gateways];
}

const gateway = (id: string, managed: boolean, routeTableIds: string[]): EndpointSummary =>
  endpoint({ id, service: 's3', type: 'Gateway', managed, routeTableIds });

/** rtb-p0 and rtb-p1 send 0.0.0.0/0 to a NAT gateway each; rtb-p2 has no default route. */
function natRoutedInventory(overrides: Partial<VpcInventory> = {}): VpcInventory {
  const base = inventory();
  return inventory({
    routeTables: base.routeTables.map((t) =>
      t.id === 'rtb-p0' || t.id === 'rtb-p1'
        ? { ...t, defaultRoute: 'nat' as const, natGatewayId: `nat-0000000000000000${t.id.slice(-1)}` }
        : t,
    ),
    ...overrides,
  });
}

/** Actions that would write to an endpoint: anything but `covered`, with a target. */
const writesTo = (actions: PlannedAction[], endpointId: string) =>
  actions.filter(
    (a) => a.kind !== 'covered' && (a.targetId === endpointId || a.resourceIds.includes(endpointId)),
  );

describe('planner: the S3 gateway', () => {
  it("leaves a route table on someone else's S3 gateway as it is, reported as covered", () => {
    // Prepare
    const endpoints = withGateways(gateway('vpce-s3theirs', false, ['rtb-p0', 'rtb-p1', 'rtb-p2']));

    // Act
    const result = plan({ ssmEndpoints: 'never' }, inventory({ endpoints }));

    // Assess
    expect(result.actions.map(summary)).toEqual([
      { kind: 'covered', service: 's3', resourceIds: ['vpce-s3theirs'], targetId: 'vpce-s3theirs' },
    ]);
    expect(result.actions[0]!.reason).toBe(
      'route tables rtb-p0, rtb-p1, rtb-p2 are on the S3 gateway vpce-s3theirs, which privatelink-ecs did not create; left as they are',
    );
    expect(result.warnings).toEqual([]);
  });

  it("creates a new S3 gateway of ours on the uncovered route tables when only someone else's covers the others", () => {
    // Prepare
    const endpoints = withGateways(gateway('vpce-s3theirs', false, ['rtb-p1']));

    // Act
    const result = plan({ ssmEndpoints: 'never' }, inventory({ endpoints }));

    // Assess
    expect(result.actions.map(summary)).toEqual([
      { kind: 'covered', service: 's3', resourceIds: ['vpce-s3theirs'], targetId: 'vpce-s3theirs' },
      {
        kind: 'create-gateway-endpoint',
        service: 's3',
        resourceIds: ['rtb-p0', 'rtb-p2'],
        targetId: undefined,
      },
    ]);
    expect(result.actions[1]!.reason).toContain("someone else's vpce-s3theirs is never modified");
    expect(writesTo(result.actions, 'vpce-s3theirs')).toEqual([]);
  });

  it("adds the uncovered route tables to our S3 gateway, not to someone else's, when both exist", () => {
    // Prepare: theirs sorts before ours, so picking "the first gateway" would pick theirs
    const endpoints = withGateways(
      gateway('vpce-0s3theirs', false, ['rtb-p1']),
      gateway('vpce-1s3ours', true, ['rtb-p0']),
    );

    // Act
    const result = plan({ ssmEndpoints: 'never' }, inventory({ endpoints }));

    // Assess
    expect(result.actions.map(summary)).toEqual([
      { kind: 'covered', service: 's3', resourceIds: ['vpce-0s3theirs'], targetId: 'vpce-0s3theirs' },
      {
        kind: 'add-gateway-route-tables',
        service: 's3',
        resourceIds: ['rtb-p2'],
        targetId: 'vpce-1s3ours',
      },
    ]);
    expect(writesTo(result.actions, 'vpce-0s3theirs')).toEqual([]);
  });

  it("plans no write at all when someone else's S3 gateway is on a route table we do not select", () => {
    // Prepare: theirs is on the public table only, ours covers every private one
    const endpoints = withGateways(
      gateway('vpce-s3theirs', false, ['rtb-pub']),
      gateway('vpce-s3ours', true, ['rtb-p0', 'rtb-p1', 'rtb-p2']),
    );

    // Act
    const result = plan({ ssmEndpoints: 'never' }, inventory({ endpoints }));

    // Assess
    expect(result.actions).toEqual([]);
  });

  it('under auto, leaves route tables routed to a NAT off the S3 gateway and names each with its NAT', () => {
    // Act
    const result = plan({ ssmEndpoints: 'never' }, natRoutedInventory({ endpoints: withGateways() }));

    // Assess
    expect(result.actions.map(summary)).toEqual([
      { kind: 'create-gateway-endpoint', service: 's3', resourceIds: ['rtb-p2'], targetId: undefined },
    ]);
    expect(result.warnings).toEqual([
      'route table rtb-p0 sends 0.0.0.0/0 to nat-00000000000000000: adding the S3 gateway would move its S3 traffic off the NAT (open connections break, bucket policies keyed on the NAT\'s address with aws:SourceIp deny), so s3Gateway "auto" leaves it off; set s3Gateway to "always" to include it',
      'route table rtb-p1 sends 0.0.0.0/0 to nat-00000000000000001: adding the S3 gateway would move its S3 traffic off the NAT (open connections break, bucket policies keyed on the NAT\'s address with aws:SourceIp deny), so s3Gateway "auto" leaves it off; set s3Gateway to "always" to include it',
    ]);
  });

  it('under auto, names every route table sharing one NAT in one warning, and plans nothing when all are NAT-routed', () => {
    // Prepare
    const base = inventory();
    const inv = inventory({
      endpoints: withGateways(),
      routeTables: base.routeTables.map((t) =>
        t.id.startsWith('rtb-p') && t.id !== 'rtb-pub'
          ? { ...t, defaultRoute: 'nat' as const, natGatewayId: 'nat-0aaaaaaaaaaaaaaaa' }
          : t,
      ),
    });

    // Act
    const result = plan({ ssmEndpoints: 'never', s3Gateway: 'auto' }, inv);

    // Assess
    expect(result.actions).toEqual([]);
    expect(result.warnings).toEqual([
      expect.stringMatching(
        /^route tables rtb-p0, rtb-p1, rtb-p2 send 0\.0\.0\.0\/0 to nat-0aaaaaaaaaaaaaaaa: .* set s3Gateway to "always" to include them$/,
      ),
    ]);
  });

  it('under auto, says nothing about a NAT-routed route table that an S3 gateway already covers', () => {
    // Prepare: ours is already on rtb-p0 (e.g. from an earlier "always"); nothing moves
    const inv = natRoutedInventory({
      endpoints: withGateways(gateway('vpce-s3ours', true, ['rtb-p0', 'rtb-p2'])),
    });

    // Act
    const result = plan({ ssmEndpoints: 'never' }, inv);

    // Assess
    expect(result.actions).toEqual([]);
    expect(result.warnings).toEqual([
      expect.stringMatching(/^route table rtb-p1 sends 0\.0\.0\.0\/0 to nat-/),
    ]);
  });

  it('under always, puts the NAT-routed route tables on the S3 gateway too and says so in the reason', () => {
    // Act
    const result = plan(
      { ssmEndpoints: 'never', s3Gateway: 'always' },
      natRoutedInventory({ endpoints: withGateways(gateway('vpce-s3ours', true, ['rtb-p2'])) }),
    );

    // Assess
    expect(result.actions.map(summary)).toEqual([
      {
        kind: 'add-gateway-route-tables',
        service: 's3',
        resourceIds: ['rtb-p0', 'rtb-p1'],
        targetId: 'vpce-s3ours',
      },
    ]);
    expect(result.actions[0]!.reason).toContain(
      's3Gateway is "always", so this includes route tables whose 0.0.0.0/0 goes to a NAT (rtb-p0 via nat-00000000000000000; rtb-p1 via nat-00000000000000001): their S3 traffic moves off the NAT',
    );
    expect(result.warnings).toEqual([]);
  });

  it('under never, plans no S3 gateway and does not ask about the S3 service', () => {
    // Act
    const result = plan(
      { ssmEndpoints: 'never', s3Gateway: 'never' },
      natRoutedInventory({ endpoints: withGateways() }),
    );

    // Assess
    expect(result.actions).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.desired.s3Gateway).toBe('never');
    expect(candidateServiceNames(parseConfig({ s3Gateway: 'never' }), REGION)).not.toContain(
      `com.amazonaws.${REGION}.s3`,
    );
    expect(candidateServiceNames(parseConfig({}), REGION)).toContain(`com.amazonaws.${REGION}.s3`);
  });

  it.each<[string, ConfigInput['s3Gateway'], string[]]>([
    ['true (earlier versions) is read as auto: no NAT-routed route table', true, ['rtb-p2']],
    ['false (earlier versions) is read as never', false, []],
  ])('s3Gateway %s', (_name, s3Gateway, tables) => {
    // Act
    const result = plan(
      { ssmEndpoints: 'never', s3Gateway },
      natRoutedInventory({ endpoints: withGateways() }),
    );

    // Assess
    expect(result.actions.flatMap((a) => a.resourceIds)).toEqual(tables);
  });
});
