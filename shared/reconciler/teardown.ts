// Teardown on opt-out: deletes ONLY the endpoints and the security group that carry our managed tag.
// The caller checks that no container instance remains. One result per item; nothing is hidden.
import { DeleteSecurityGroupCommand, DeleteVpcEndpointsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { Config } from '../config';
import { describeError, errorName, VpcNotFoundError } from '../errors';
import type { VpcId } from '../ids';
import { logger } from '../observability';
import { describeVpc, findOurSecurityGroup, readEndpoints } from './inventory';
import { isGoneState } from './naming';
import type { ActionResult, PlannedAction } from './types';

export async function teardownVpc(ec2: EC2Client, config: Config, vpcId: VpcId): Promise<ActionResult[]> {
  if (!(await describeVpc(ec2, vpcId))) throw new VpcNotFoundError(vpcId);
  const endpoints = (await readEndpoints(ec2, config, vpcId)).filter(
    (e) => e.managed && !isGoneState(e.state),
  );
  const results: ActionResult[] = [];
  for (const endpoint of endpoints) {
    const action: PlannedAction = {
      kind: 'delete-endpoint',
      vpcId,
      service: endpoint.service,
      resourceIds: [endpoint.id],
      targetId: endpoint.id,
      reason: `${endpoint.id} (${endpoint.service}) was created by privatelink-ecs and the VPC opted out`,
    };
    try {
      const res = await ec2.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [endpoint.id] }));
      const failure = res.Unsuccessful?.find((u) => u.ResourceId === endpoint.id) ?? res.Unsuccessful?.[0];
      if (failure) {
        results.push({
          action,
          status: 'error',
          resourceId: endpoint.id,
          message: failure.Error?.Message ?? 'DeleteVpcEndpoints reported the endpoint as unsuccessful',
          errorName: failure.Error?.Code ?? 'DeleteFailed',
        });
      } else {
        results.push({ action, status: 'ok', resourceId: endpoint.id, message: `deleted ${endpoint.id}` });
      }
    } catch (err) {
      results.push({
        action,
        status: 'error',
        resourceId: endpoint.id,
        message: describeError(err),
        errorName: errorName(err),
      });
    }
  }
  const group = await findOurSecurityGroup(ec2, config, vpcId);
  if (group) {
    const action: PlannedAction = {
      kind: 'delete-security-group',
      vpcId,
      resourceIds: [group.id],
      targetId: group.id,
      reason: `${group.id} was created by privatelink-ecs and the VPC opted out`,
    };
    try {
      await ec2.send(new DeleteSecurityGroupCommand({ GroupId: group.id }));
      results.push({ action, status: 'ok', resourceId: group.id, message: `deleted ${group.id}` });
    } catch (err) {
      // DependencyViolation while endpoint network interfaces are still being removed: retry later.
      const hint =
        errorName(err) === 'DependencyViolation' ? ' (endpoints still deleting; run again later)' : '';
      results.push({
        action,
        status: 'error',
        resourceId: group.id,
        message: `${describeError(err)}${hint}`,
        errorName: errorName(err),
      });
    }
  }
  for (const r of results) {
    logger.info('teardown', {
      vpcId,
      kind: r.action.kind,
      resourceId: r.resourceId,
      status: r.status,
      errorName: r.errorName,
    });
  }
  return results;
}
