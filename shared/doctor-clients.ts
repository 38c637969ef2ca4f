// The clients `privatelink-ecs doctor` reads with, made from one configuration. The CLI passes the SDK's
// standard chain with its retry budget (bin/lib/doctor/clients.ts); the simulated account passes its own
// region, credentials and retry strategy and attaches its middleware afterwards.
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { EC2Client, type EC2ClientConfig } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { IAMClient } from '@aws-sdk/client-iam';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SSMClient } from '@aws-sdk/client-ssm';

export interface DoctorClients {
  cloudformation: CloudFormationClient;
  iam: IAMClient;
  cloudtrail: CloudTrailClient;
  route53: Route53Client;
  ec2: EC2Client;
  ecs: ECSClient;
  ssm: SSMClient;
}

/** What every doctor client is constructed with. */
export type DoctorClientConfig = Pick<
  EC2ClientConfig,
  'region' | 'credentials' | 'maxAttempts' | 'retryStrategy'
>;

export function makeDoctorClients(config: DoctorClientConfig): DoctorClients {
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
