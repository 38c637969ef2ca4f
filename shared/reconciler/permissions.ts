// IAM permissions for every AWS call the reconciler makes, declared next to the code (see
// shared/permissions.ts). Writes are scoped to resources carrying our managed tag, or to requests that
// carry it; Describe* calls use "*" because EC2 cannot scope them to a resource.
import type { PermissionDeclaration } from '../permissions';
import { INVENTORY_PERMISSIONS } from './inventory';
import { MANAGED_TAG_VALUE } from './naming';

const arn = (type: string): string => `arn:{partition}:ec2:{region}:{account}:${type}/*`;
const requestTagged = { StringEquals: { 'aws:RequestTag/{managedTagKey}': MANAGED_TAG_VALUE } };
const resourceTagged = { StringEquals: { 'aws:ResourceTag/{managedTagKey}': MANAGED_TAG_VALUE } };

export const RECONCILER_WRITE_PERMISSIONS: PermissionDeclaration[] = [
  {
    sid: 'ReconcilerModifyVpcDns',
    actions: ['ec2:ModifyVpcAttribute'],
    resources: [arn('vpc')],
    reason: 'Turns on enableDnsSupport/enableDnsHostnames, which private DNS needs; VPCs are not ours to tag',
  },
  {
    sid: 'ReconcilerCreateSecurityGroup',
    actions: ['ec2:CreateSecurityGroup'],
    resources: [arn('security-group'), arn('vpc')],
    conditions: requestTagged,
    reason: 'Creates the endpoint security group, only with our managed tag in the request',
  },
  {
    sid: 'ReconcilerAuthorizeOwnSecurityGroup',
    actions: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:DeleteSecurityGroup'],
    resources: [arn('security-group')],
    conditions: resourceTagged,
    reason: 'Admits TCP 443 from the VPC CIDRs on, and tears down, only the security group we created',
  },
  {
    sid: 'ReconcilerCreateEndpoint',
    actions: ['ec2:CreateVpcEndpoint'],
    resources: [arn('vpc-endpoint'), arn('vpc'), arn('subnet'), arn('security-group'), arn('route-table')],
    conditions: requestTagged,
    reason: 'Creates interface and S3 gateway endpoints, only with our managed tag in the request',
  },
  {
    sid: 'ReconcilerModifyOwnEndpoint',
    actions: ['ec2:ModifyVpcEndpoint', 'ec2:DeleteVpcEndpoints'],
    resources: [arn('vpc-endpoint')],
    conditions: resourceTagged,
    reason: 'Adds subnets or route tables to, and tears down, only endpoints we created',
  },
  {
    sid: 'ReconcilerModifyEndpointAttachments',
    actions: ['ec2:ModifyVpcEndpoint'],
    resources: [arn('subnet'), arn('route-table'), arn('security-group')],
    reason:
      'The subnets and route tables named in ModifyVpcEndpoint; useless without an endpoint statement above',
  },
  {
    // The one documented exception: a route table carries only one S3 route, so when someone else's S3
    // gateway endpoint exists we add our route tables to it instead of creating a second endpoint.
    // Condition key check (search, Nov 2026): ec2:VpceServiceName is an EC2 condition key ("filters access
    // by the name of the VPC endpoint service"); the PrivateLink guide's identity-policy examples use it
    // only with CreateVpcEndpoint, and the Service Authorization Reference snapshot we found (iam-floyd's
    // generated EC2 table) lists only aws:ResourceTag, ec2:Region and ec2:ResourceTag for ModifyVpcEndpoint
    // on vpc-endpoint. Kept anyway: if AWS does not supply the key for ModifyVpcEndpoint, StringEquals
    // fails closed and this one action is reported as UnauthorizedOperation (per item, never silent); we
    // do not widen it to every endpoint in the account. Check the live reference before relying on it.
    // Neither moto nor the simulated account evaluates IAM, so no test here can prove it either way.
    sid: 'ReconcilerS3GatewayException',
    actions: ['ec2:ModifyVpcEndpoint'],
    resources: [arn('vpc-endpoint')],
    conditions: { StringEquals: { 'ec2:VpceServiceName': 'com.amazonaws.{region}.s3' } },
    reason:
      'Adds route tables to an existing S3 gateway endpoint that we did not create (documented exception)',
  },
  {
    sid: 'ReconcilerTagOnCreate',
    actions: ['ec2:CreateTags'],
    resources: [arn('vpc-endpoint'), arn('security-group')],
    conditions: { StringEquals: { 'ec2:CreateAction': ['CreateVpcEndpoint', 'CreateSecurityGroup'] } },
    reason: 'TagSpecifications on create; never tags an existing resource',
  },
];

/** Everything reconcileVpc, listEndpoints, readVpcOptIn, listOptedInVpcIds and teardownVpc call. */
export const RECONCILER_PERMISSIONS: PermissionDeclaration[] = [
  ...INVENTORY_PERMISSIONS,
  ...RECONCILER_WRITE_PERMISSIONS,
];
