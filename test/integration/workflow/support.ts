// Shared set-up for the workflow tests against moto (test/integration/workflow, test/integration/cli-workflow).
import type { EC2Client } from '@aws-sdk/client-ec2';
import { type ECSClient, PutAttributesCommand } from '@aws-sdk/client-ecs';
import { createVpcLayout, registerContainerInstances } from '../../support/fixtures';

/** An opted-in VPC with `count` container instances of cluster `prod` in its first private subnet. */
export async function optedInVpcWithInstances(
  clients: { ec2: EC2Client; ecs: ECSClient },
  options: { azs: number; count: number },
) {
  const layout = await createVpcLayout(clients.ec2, {
    azs: options.azs,
    tags: { 'privatelink-ecs': 'enabled' },
  });
  const fleet = await registerContainerInstances(clients, {
    clusterName: 'prod',
    subnetId: layout.privateSubnetIds[0]!,
    count: options.count,
  });
  // A real agent registers with ecs.os-family; moto's registration drops attributes, so add it the way
  // PutAttributes would.
  await clients.ecs.send(
    new PutAttributesCommand({
      cluster: 'prod',
      attributes: fleet.containerInstanceArns.map((arn) => ({
        name: 'ecs.os-family',
        value: 'LINUX',
        targetId: arn,
      })),
    }),
  );
  return { layout, fleet };
}
