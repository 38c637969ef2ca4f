#!/usr/bin/env node
// The CDK app. Configuration comes from the `privatelink-ecs` context key in cdk.json, or from a JSON
// file named by `-c configFile=path`, and is validated against the one schema before anything is built.
import { App } from 'aws-cdk-lib';
import { configFromFile, parseConfig } from '../shared/config';
import { describeError } from '../shared/errors';
import { PrivateLinkEcsStack } from './stack';

const app = new App();
try {
  const file = app.node.tryGetContext('configFile') as string | undefined;
  const config = file
    ? configFromFile(file)
    : parseConfig(app.node.tryGetContext('privatelink-ecs'), 'cdk.json context "privatelink-ecs"');
  new PrivateLinkEcsStack(app, 'PrivateLinkEcs', {
    config,
    description:
      'privatelink-ecs: PrivateLink endpoints for ECS/ECR in opted-in VPCs, and ecs-agent restarts',
  });
} catch (err) {
  process.stderr.write(`privatelink-ecs: ${describeError(err)}\n`);
  process.exit(1);
}
