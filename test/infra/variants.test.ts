import type { Template } from 'aws-cdk-lib/assertions';
import {
  asArray,
  NAG_PACKS,
  nagReport,
  policyOf,
  type Synthesized,
  statementsAllowing,
  synthStack,
} from './support';

describe('PrivateLinkEcsStack with agent updates, reboot fallback, an instance tag and no sweep', () => {
  let synth: Synthesized;
  let template: Template;

  beforeAll(() => {
    synth = synthStack({
      restart: { agentUpdate: true, fallback: 'reboot', instanceTag: { key: 'ecs-fleet', value: 'prod' } },
      sweep: { enabled: false },
      clusterTagOptIn: true,
    });
    template = synth.template;
  });

  it('grants ecs:UpdateContainerAgent on container instances only, to the two steps that start update batches', () => {
    // Act
    const statements = statementsAllowing(template, 'ecs:UpdateContainerAgent');

    // Assess: StartAgentUpdates starts the first batch, CheckAgentUpdates every later one.
    expect(statements.map((s) => s.policy).sort()).toEqual(
      [
        policyOf(template, 'WorkflowCheckAgentUpdates'),
        policyOf(template, 'WorkflowStartAgentUpdates'),
      ].sort(),
    );
    for (const { statement } of statements) {
      expect(statement.Resource).not.toEqual('*');
      expect(JSON.stringify(statement.Resource)).toContain(':container-instance/*');
    }
  });

  it('allows SendCommand on instances only when they carry the configured tag', () => {
    // Act
    const onInstances = statementsAllowing(template, 'ssm:SendCommand').filter(({ statement }) =>
      JSON.stringify(statement.Resource).includes(':instance/'),
    );

    // Assess
    expect(onInstances.length).toBeGreaterThan(0);
    for (const { statement } of onInstances) {
      expect(Object.values(statement.Condition ?? {}).flatMap((block) => Object.entries(block))).toEqual([
        [expect.stringMatching(/ResourceTag\/ecs-fleet$/i), 'prod'],
      ]);
    }
  });

  it('scopes the reboot fallback to tagged instances', () => {
    // Act
    const reboot = statementsAllowing(template, 'ec2:RebootInstances');

    // Assess
    expect(reboot).toHaveLength(1);
    expect(asArray(reboot[0]!.statement.Action)).toEqual(['ec2:RebootInstances']);
    expect(
      Object.values(reboot[0]!.statement.Condition ?? {}).flatMap((block) => Object.entries(block)),
    ).toEqual([[expect.stringMatching(/ResourceTag\/ecs-fleet$/i), 'prod']]);
  });

  it('deploys no sweep schedule when the sweep is disabled', () => {
    // Act
    const schedules = Object.values(template.findResources('AWS::Events::Rule')).filter(
      (r) => r.Properties.ScheduleExpression !== undefined,
    );

    // Assess
    expect(schedules).toEqual([]);
  });

  it.each(NAG_PACKS)('%s checks still report zero unacknowledged findings', (_name, pack) => {
    // Act
    const { findings } = nagReport(pack, synth.stack);

    // Assess
    expect(findings).toEqual([]);
  });
});
