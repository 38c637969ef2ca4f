// The VPC's own facts: whether it exists and carries the opt-in tag. Kept apart from the reconciler's index (and
// its action registries) so a module that only validates a VPC, such as the workflow input, bundles no action.
import type { EC2Client, Vpc } from '@aws-sdk/client-ec2';
import type { Config } from '../config';
import type { VpcId } from '../ids';
import { describeVpc } from './inventory';
import { tagsToRecord } from './naming';

export interface VpcOptIn {
  exists: boolean;
  optedIn: boolean;
  tags: Record<string, string>;
}

export function isOptedIn(config: Config, tags: Record<string, string>): boolean {
  return tags[config.optInTag.key] === config.optInTag.value;
}

/**
 * readVpcOptIn plus the DescribeVpcs answer itself, for a caller that goes on to reconcileVpc: passing
 * `vpc` back as `reads.vpc` saves reconcileVpc a second DescribeVpcs.
 */
export async function readVpc(
  ec2: EC2Client,
  config: Config,
  vpcId: VpcId,
): Promise<VpcOptIn & { vpc?: Vpc }> {
  const vpc = await describeVpc(ec2, vpcId);
  if (!vpc) return { exists: false, optedIn: false, tags: {} };
  const tags = tagsToRecord(vpc.Tags);
  return { exists: true, optedIn: isOptedIn(config, tags), tags, vpc };
}

/** Whether the VPC exists and carries the opt-in tag. */
export async function readVpcOptIn(ec2: EC2Client, config: Config, vpcId: VpcId): Promise<VpcOptIn> {
  const { vpc: _vpc, ...optIn } = await readVpc(ec2, config, vpcId);
  return optIn;
}
