// Teardown actions: delete an endpoint or the security group we created. The grants allow them only on
// resources carrying our managed tag; the teardown plan names only those (../teardown.ts).
import { DeleteSecurityGroupCommand, DeleteVpcEndpointsCommand } from '@aws-sdk/client-ec2';
import { describeError, errorName } from '../../errors';
import { ec2Arn, failed, ok, RESOURCE_TAGGED, type ReconcilerAction } from './action';

export const deleteEndpoint: ReconcilerAction<'delete-endpoint'> = {
  kind: 'delete-endpoint',
  permissions: [
    {
      sid: 'ReconcilerDeleteOwnEndpoint',
      actions: ['ec2:DeleteVpcEndpoints'],
      resources: [ec2Arn('vpc-endpoint')],
      conditions: RESOURCE_TAGGED,
      reason: 'Teardown on opt-out: deletes endpoints we created only',
    },
  ],
  async run({ ec2 }, step) {
    const id = step.targetId!;
    try {
      const res = await ec2.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [id] }));
      // DeleteVpcEndpoints answers a refused item in Unsuccessful instead of failing the call.
      const refused = res.Unsuccessful?.find((u) => u.ResourceId === id) ?? res.Unsuccessful?.[0];
      if (refused) {
        return failed(
          refused.Error?.Message ?? 'DeleteVpcEndpoints reported the endpoint as unsuccessful',
          refused.Error?.Code ?? 'DeleteFailed',
          id,
        );
      }
      return ok(`deleted ${id}`, id);
    } catch (err) {
      return failed(describeError(err), errorName(err), id);
    }
  },
};

export const deleteSecurityGroup: ReconcilerAction<'delete-security-group'> = {
  kind: 'delete-security-group',
  permissions: [
    {
      sid: 'ReconcilerDeleteOwnSecurityGroup',
      actions: ['ec2:DeleteSecurityGroup'],
      resources: [ec2Arn('security-group')],
      conditions: RESOURCE_TAGGED,
      reason: 'Teardown on opt-out: deletes the security group we created only',
    },
  ],
  async run({ ec2 }, step) {
    const id = step.targetId!;
    try {
      await ec2.send(new DeleteSecurityGroupCommand({ GroupId: id }));
      return ok(`deleted ${id}`, id);
    } catch (err) {
      // DependencyViolation while endpoint network interfaces are still being removed: retry later.
      const hint =
        errorName(err) === 'DependencyViolation' ? ' (endpoints still deleting; run again later)' : '';
      return failed(`${describeError(err)}${hint}`, errorName(err), id);
    }
  },
};
