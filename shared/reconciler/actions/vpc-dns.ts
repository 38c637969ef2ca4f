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

/** Turns one DNS attribute of the VPC on (ModifyVpcAttribute takes one attribute per call). */
function enableDns<K extends 'enable-dns-support' | 'enable-dns-hostnames'>(
  kind: K,
  attribute: 'EnableDnsSupport' | 'EnableDnsHostnames',
  done: string,
): ReconcilerAction<K> {
  return {
    kind,
    permissions: [MODIFY_VPC_DNS],
    async run({ ec2 }, step) {
      await ec2.send(new ModifyVpcAttributeCommand({ VpcId: step.vpcId, [attribute]: { Value: true } }));
      return ok(done, step.vpcId);
    },
  };
}

export const enableDnsSupport = enableDns('enable-dns-support', 'EnableDnsSupport', 'enabled DNS support');

export const enableDnsHostnames = enableDns(
  'enable-dns-hostnames',
  'EnableDnsHostnames',
  'enabled DNS hostnames',
);
