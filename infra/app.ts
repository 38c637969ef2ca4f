#!/usr/bin/env node
// The CDK app. Configuration comes from the `privatelink-ecs` context key in cdk.json, or from a JSON
// file named by `-c configFile=path`, and is validated against the one schema before anything is built.
// cdk-nag's AwsSolutions and Serverless packs run as validation plugins: an unacknowledged finding fails synth.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { type Config, configFromFile, parseConfig } from '../shared/config';
import { ConfigError, describeError } from '../shared/errors';
import { HUB_STACK_NAME } from '../shared/org/names';
import { AssetBucketStack, PrivateLinkEcsHubStack } from './hub-stack';
import { PrivateLinkEcsStack } from './stack';

/** Context from cdk.json is an object; `-c privatelink-ecs='{...}'` on the command line arrives as a string. */
function configFromContext(app: App): Config {
  const file = app.node.tryGetContext('configFile') as unknown;
  if (file !== undefined) {
    if (typeof file !== 'string' || !file) {
      throw new ConfigError('context configFile must be a path to a JSON file', { field: 'configFile' });
    }
    return configFromFile(file);
  }
  const source = 'context "privatelink-ecs"';
  let raw = app.node.tryGetContext('privatelink-ecs') as unknown;
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch (err) {
      throw new ConfigError(`${source} is not valid JSON`, { field: 'privatelink-ecs' }, { cause: err });
    }
  }
  return parseConfig(raw, source);
}

const app = new App();
try {
  const config = configFromContext(app);
  if (config.organization) {
    // The hub, in the management or delegated-administrator account (docs/organization.md), and one bucket
    // per member region for the member functions' code. `cdk deploy --all` deploys the buckets first.
    const account = process.env.CDK_DEFAULT_ACCOUNT;
    const prefix =
      config.organization.assetBucketPrefix ?? (account ? `privatelink-ecs-assets-${account}` : undefined);
    if (!prefix) {
      throw new ConfigError(
        'organization.assetBucketPrefix must be set when the hub account is not known at synth (no credentials)',
        { field: 'organization.assetBucketPrefix' },
      );
    }
    const hub = new PrivateLinkEcsHubStack(app, HUB_STACK_NAME, {
      config,
      assetBucketPrefix: prefix,
      env: { account, region: process.env.CDK_DEFAULT_REGION },
      description:
        'privatelink-ecs organization hub: member StackSet, central bus, roll-up, alarm, dashboard',
    });
    for (const region of config.organization.regions) {
      const buckets = new AssetBucketStack(app, `${HUB_STACK_NAME}Assets-${region}`, {
        prefix,
        organizationId: config.organization.id,
        env: { account, region },
        description: `privatelink-ecs: member Lambda code for ${region}`,
      });
      hub.addStackDependency(buckets);
    }
  } else {
    new PrivateLinkEcsStack(app, 'PrivateLinkEcs', {
      config,
      description:
        'privatelink-ecs: PrivateLink endpoints for ECS/ECR in opted-in VPCs, and ecs-agent restarts',
    });
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
} catch (err) {
  process.stderr.write(`privatelink-ecs: ${describeError(err)}\n`);
  process.exit(1);
}
