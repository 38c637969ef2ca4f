// Teardown on opt-out, as a plan like any other: one delete step for each endpoint and for the security group
// that carry our managed tag (nothing else is ever named), executed by the same executor with the teardown
// actions. The caller checks that no container instance remains. One result per resource; nothing is hidden.
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { Config } from '../config';
import { VpcNotFoundError } from '../errors';
import type { VpcId } from '../ids';
import { TEARDOWN_ACTIONS } from './actions';
import { executePlan } from './executor';
import { describeVpc, findOurSecurityGroup, readEndpoints } from './inventory';
import { isGoneState } from './naming';
import type { ActionResult, EndpointSummary, PlannedAction } from './types';

/**
 * The teardown plan from what the finders read (pure): our endpoints that are not already going, then our
 * security group (it can go only once the endpoints' network interfaces are gone).
 */
export function planTeardown(
  vpcId: VpcId,
  endpoints: readonly EndpointSummary[],
  securityGroup: { id: string } | undefined,
): PlannedAction[] {
  const steps: PlannedAction[] = endpoints
    .filter((e) => e.managed && !isGoneState(e.state))
    .map((e) => ({
      kind: 'delete-endpoint',
      vpcId,
      service: e.service,
      resourceIds: [e.id],
      targetId: e.id,
      reason: `${e.id} (${e.service}) was created by privatelink-ecs and the VPC opted out`,
    }));
  if (securityGroup) {
    steps.push({
      kind: 'delete-security-group',
      vpcId,
      resourceIds: [securityGroup.id],
      targetId: securityGroup.id,
      reason: `${securityGroup.id} was created by privatelink-ecs and the VPC opted out`,
    });
  }
  return steps;
}

/** Reads the VPC's endpoints and our security group and plans their teardown. Read-only. */
export async function planTeardownVpc(
  ec2: EC2Client,
  config: Config,
  vpcId: VpcId,
): Promise<PlannedAction[]> {
  if (!(await describeVpc(ec2, vpcId))) throw new VpcNotFoundError(vpcId);
  const endpoints = await readEndpoints(ec2, config, vpcId);
  return planTeardown(vpcId, endpoints, await findOurSecurityGroup(ec2, config, vpcId));
}

/** Plans the teardown of the VPC and executes it; one result per delete step. */
export async function teardownVpc(ec2: EC2Client, config: Config, vpcId: VpcId): Promise<ActionResult[]> {
  const steps = await planTeardownVpc(ec2, config, vpcId);
  return executePlan({ ec2, config }, steps, TEARDOWN_ACTIONS);
}
