// The synthesized rule patterns (the same functions the CDK stack uses) against realistic event samples.
import { parseConfig } from '../../../shared/config';
import { compilePattern } from '../../../shared/events/matcher';
import { sweepDescriptor, TRIGGER_RULES } from '../../../shared/events/patterns';
import { classifyEvent, matchingRules } from '../../../shared/events/schemas';
import { type EventFixture, loadEvent } from '../../fixtures/events/load';

const config = parseConfig({});

describe('trigger rule patterns', () => {
  it('are valid EventBridge patterns for the default and the cluster-opt-in configuration', () => {
    // Prepare
    const clusterConfig = parseConfig({ clusterTagOptIn: true });

    // Act + Assess
    for (const rule of TRIGGER_RULES) {
      expect(() => compilePattern(rule.pattern(config))).not.toThrow();
      expect(() => compilePattern(rule.pattern(clusterConfig))).not.toThrow();
      expect(rule.handlerEntry).toMatch(/^functions\/trigger-[a-z-]+\/index\.ts$/);
    }
  });

  it.each<[EventFixture, string]>([
    ['tag-change-vpc-opt-in', 'vpc-tag-change'],
    ['tag-change-vpc-opt-out', 'vpc-tag-change'],
    ['cloudtrail-create-vpc-tagged', 'vpc-api-call'],
    ['cloudtrail-create-tags-mixed', 'vpc-api-call'],
    ['cloudtrail-delete-tags-vpc', 'vpc-api-call'],
    ['ecs-container-instance-registered', 'ecs-instance-state'],
    ['cloudtrail-ecs-create-cluster', 'ecs-cluster-api-call'],
  ])('%s matches exactly the rule %s', (fixture, rule) => {
    // Act
    const matched = matchingRules(config, loadEvent(fixture));

    // Assess
    expect(matched).toEqual([rule]);
  });

  it.each<EventFixture>([
    'cloudtrail-create-tags-security-group',
    'tag-change-subnet',
    'tag-change-vpc-other-key',
    'cloudtrail-create-vpc-untagged',
    'cloudtrail-create-tags-failed',
    'ecs-container-instance-disconnected',
    'ecs-container-instance-task-placement',
    'ecs-container-instance-reconnected',
    'ecs-container-instance-deregistered',
    'cloudtrail-ecs-tag-cluster',
    'scheduled-sweep',
  ])('%s matches no rule', (fixture) => {
    expect(matchingRules(config, loadEvent(fixture))).toEqual([]);
  });

  it('ignores the routine container-instance changes of an established instance under every configuration', () => {
    // Prepare: a task placement, an agent reconnect and a deregistration, as ECS sends them many times an hour
    const configs = [config, parseConfig({ clusterTagOptIn: true })];
    const routine: EventFixture[] = [
      'ecs-container-instance-task-placement',
      'ecs-container-instance-reconnected',
      'ecs-container-instance-disconnected',
      'ecs-container-instance-deregistered',
    ];

    // Act
    const matched = configs.flatMap((c) => routine.flatMap((f) => matchingRules(c, loadEvent(f))));

    // Assess
    expect(matched).toEqual([]);
  });

  it('matches a container instance only while its detail.version says it has just registered', () => {
    // Prepare: the registration sample is version 2 (registered, then the agent's first connection)
    const event = loadEvent('ecs-container-instance-registered');

    // Act
    const byVersion = [1, 2, 3, 14801].map((version) => {
      event.detail.version = version;
      return matchingRules(config, event);
    });

    // Assess
    expect(byVersion).toEqual([['ecs-instance-state'], ['ecs-instance-state'], [], []]);
  });

  it('follows a configured opt-in tag key', () => {
    // Prepare
    const custom = parseConfig({ optInTag: { key: 'endpoints', value: 'on' } });
    const event = loadEvent('tag-change-vpc-opt-in');

    // Act + Assess
    expect(matchingRules(custom, event)).toEqual([]);
    event.detail['changed-tag-keys'] = ['endpoints'];
    expect(matchingRules(custom, event)).toEqual(['vpc-tag-change']);
  });

  it('matches TagResource on a cluster only when clusterTagOptIn is on', () => {
    // Prepare
    const event = loadEvent('cloudtrail-ecs-tag-cluster');
    const clusterConfig = parseConfig({ clusterTagOptIn: true });

    // Act + Assess
    expect(matchingRules(config, event)).toEqual([]);
    expect(matchingRules(clusterConfig, event)).toEqual(['ecs-cluster-api-call']);
    expect(matchingRules(clusterConfig, loadEvent('cloudtrail-ecs-create-cluster'))).toEqual([
      'ecs-cluster-api-call',
    ]);
  });

  it('describes the sweep schedule from the configuration', () => {
    expect(sweepDescriptor(config)).toMatchObject({
      enabled: true,
      schedule: 'rate(6 hours)',
      handlerEntry: 'functions/sweep/index.ts',
    });
    expect(
      sweepDescriptor(parseConfig({ sweep: { enabled: false, schedule: 'cron(0 3 * * ? *)' } })),
    ).toMatchObject({
      enabled: false,
      schedule: 'cron(0 3 * * ? *)',
    });
  });
});

describe('event classification', () => {
  it('extracts every VPC a CreateTags call touched, ignoring other resource types', () => {
    // Act
    const result = classifyEvent(loadEvent('cloudtrail-create-tags-mixed'), config);

    // Assess
    expect(result).toMatchObject({
      ok: true,
      rule: 'vpc-api-call',
      intent: { kind: 'vpcs', vpcIds: ['vpc-0a1b2c3d4e5f60718'] },
    });
  });

  it('takes the new VPC ID from CreateVpc and the ARN from a tag change', () => {
    expect(classifyEvent(loadEvent('cloudtrail-create-vpc-tagged'), config)).toMatchObject({
      ok: true,
      intent: { kind: 'vpcs', vpcIds: ['vpc-0b2c3d4e5f6071829'] },
    });
    expect(classifyEvent(loadEvent('tag-change-vpc-opt-out'), config)).toMatchObject({
      ok: true,
      intent: { kind: 'vpcs', vpcIds: ['vpc-0a1b2c3d4e5f60718'] },
    });
  });

  it('reads the EC2 instance and registration time of a container instance event', () => {
    expect(classifyEvent(loadEvent('ecs-container-instance-registered'), config)).toMatchObject({
      ok: true,
      rule: 'ecs-instance-state',
      intent: {
        kind: 'instance',
        ec2InstanceId: 'i-0abc1234def567890',
        registeredAt: '2026-03-06T10:12:40.118Z',
      },
    });
  });

  it('recognises the scheduled sweep event', () => {
    expect(classifyEvent(loadEvent('scheduled-sweep'), config)).toMatchObject({
      ok: true,
      rule: 'sweep',
      intent: { kind: 'sweep' },
    });
  });

  it.each([
    ['a string', 'hello', true],
    ['an envelope without id', { ...loadEvent('tag-change-vpc-opt-in'), id: undefined }, true],
    [
      'a tag change whose resource is not a VPC ARN',
      {
        ...loadEvent('tag-change-vpc-opt-in'),
        resources: ['arn:aws:ec2:us-east-1:123456789012:vpc/not-a-vpc'],
      },
      false,
    ],
    [
      'a container instance event without an EC2 instance (ECS Anywhere)',
      (() => {
        const e = loadEvent('ecs-container-instance-registered');
        delete e.detail.ec2InstanceId;
        return e;
      })(),
      false,
    ],
  ])('refuses %s with a reason', (_label, raw, invalidEnvelope) => {
    // Act
    const result = classifyEvent(raw, config);

    // Assess
    expect(result.ok).toBe(false);
    expect(result).toMatchObject({ invalidEnvelope, reason: expect.any(String) });
  });

  it('says why a routine container-instance event matches no rule', () => {
    // Act
    const result = classifyEvent(loadEvent('ecs-container-instance-task-placement'), config);

    // Assess
    expect(result).toMatchObject({
      ok: false,
      invalidEnvelope: false,
      reason: expect.stringMatching(
        /no trigger rule matches .*only a new container instance .*detail\.version <= 2.*version 14801, a routine change that needs nothing$/,
      ),
    });
  });

  it('says which rule would have applied when none matches', () => {
    const result = classifyEvent(loadEvent('tag-change-subnet'), config);
    expect(result).toMatchObject({
      ok: false,
      invalidEnvelope: false,
      reason: expect.stringContaining('no trigger rule matches'),
    });
  });
});
