// The simulated account caches the deployed roles by the settings policies depend on (devkit/iam/roles.ts
// policyConfig). That is only sound if no other setting changes a policy: checked here by synthesizing both.
import { App } from 'aws-cdk-lib';
import { policyConfig } from '../../../devkit/iam/roles';
import { PrivateLinkEcsStack } from '../../../infra/stack';
import { type Config, parseConfig } from '../../../shared/config';

function rolePolicies(config: Config): Record<string, unknown> {
  const app = new App({ analyticsReporting: false });
  const stack = new PrivateLinkEcsStack(app, 'PrivateLinkEcs', { config, codeMode: 'inline' });
  const template = app.synth().getStackByName(stack.stackName).template as {
    Resources: Record<string, { Type: string; Properties?: unknown }>;
  };
  return Object.fromEntries(
    Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::Role')
      .map(([id, r]) => [id, r.Properties]),
  );
}

describe('policyConfig', () => {
  it('keeps every setting that shapes a policy and drops the rest, which change no role', () => {
    // Prepare: every non-policy setting away from its default; policy settings away from theirs too.
    const config = parseConfig({
      interfaceServices: ['ecs', 'ecr.api'],
      extraServices: ['logs'],
      ssmEndpoints: 'always',
      subnets: 'all',
      restart: {
        maxConcurrency: 3,
        maxErrors: 2,
        fallback: 'reboot',
        agentUpdate: true,
        instanceTag: { key: 'fleet', value: 'prod' },
      },
      managedTagKey: 'acme:managed',
      endpointWait: { timeoutSeconds: 600 },
      notificationEmail: 'ops@example.com',
      endpointHourlyPriceUsd: 0.02,
    });

    // Act
    const reduced = policyConfig(config);

    // Assess
    expect(reduced.managedTagKey).toBe('acme:managed');
    expect(reduced.restart).toMatchObject({
      fallback: 'reboot',
      agentUpdate: true,
      instanceTag: { key: 'fleet', value: 'prod' },
    });
    expect(reduced.interfaceServices).not.toEqual(config.interfaceServices);
    expect(rolePolicies(reduced)).toEqual(rolePolicies(config));
  }, 60_000);
});
