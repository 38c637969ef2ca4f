// Actions on the VPC itself: the two DNS attributes private DNS needs. VPCs are not ours to tag, so the grant
// names VPCs without a tag condition; ModifyVpcAttribute changes nothing but the attribute a step names.
import { ModifyVpcAttributeCommand } from '@aws-sdk/client-ec2';
import type { PermissionDeclaration } from '../../permissions';
import { ec2Arn, ok, type ReconcilerAction } from './action';

const MODIFY_VPC_DNS: PermissionDeclaration = {
  sid: 'ReconcilerModifyVpcDns',
  actions: ['ec2:ModifyVpcAttribute'],
  resources: [ec2Arn('vpc')],
  reason: 'Turns on enableDnsSupport/enableDnsHostnames, which private DNS needs; VPCs are not ours to tag',
};

export const enableDnsSupport: ReconcilerAction<'enable-dns-support'> = {
  kind: 'enable-dns-support',
  permissions: [MODIFY_VPC_DNS],
  async run({ ec2 }, step) {
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: step.vpcId, EnableDnsSupport: { Value: true } }));
    return ok('enabled DNS support', step.vpcId);
  },
};

export const enableDnsHostnames: ReconcilerAction<'enable-dns-hostnames'> = {
  kind: 'enable-dns-hostnames',
  permissions: [MODIFY_VPC_DNS],
  async run({ ec2 }, step) {
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: step.vpcId, EnableDnsHostnames: { Value: true } }));
    return ok('enabled DNS hostnames', step.vpcId);
  },
};
