// The clients `privatelink-ecs doctor` reads with: the operator's credentials through the SDK's standard chain,
// the CLI's retry budget (AWS_MAX_ATTEMPTS, default 5, the SDK's backoff on throttling). Nothing here writes.
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { IAMClient } from '@aws-sdk/client-iam';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SSMClient } from '@aws-sdk/client-ssm';
import { clientConfig } from '../../../shared/clients';

export interface DoctorClients {
  cloudformation: CloudFormationClient;
  iam: IAMClient;
  cloudtrail: CloudTrailClient;
  route53: Route53Client;
  ec2: EC2Client;
  ecs: ECSClient;
  ssm: SSMClient;
}

/**
 * Test seam: when set, makes the doctor's clients instead of the SDK chain (the tests answer them from the
 * simulated account). Unset in normal use; nothing else reads it.
 */
export const doctorClientHooks: { make?: (region?: string) => DoctorClients } = {};

export function createDoctorClients(region?: string): DoctorClients {
  if (doctorClientHooks.make) return doctorClientHooks.make(region);
  const config = clientConfig(region ? { region } : {});
  return {
    cloudformation: new CloudFormationClient(config),
    iam: new IAMClient(config),
    cloudtrail: new CloudTrailClient(config),
    // Route 53 is a global service; its API lives in us-east-1 (aws-cn and GovCloud resolve their own).
    route53: new Route53Client(config),
    ec2: new EC2Client(config),
    ecs: new ECSClient(config),
    ssm: new SSMClient(config),
  };
}

export function destroyDoctorClients(clients: DoctorClients): void {
  for (const client of Object.values(clients)) client.destroy();
}
