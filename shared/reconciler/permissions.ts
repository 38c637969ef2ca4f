// IAM permissions for every AWS call the reconciler makes, declared next to the code (see
// shared/permissions.ts). Writes are scoped to resources carrying our managed tag, or to requests that
// carry it; Describe* calls use "*" because EC2 cannot scope them to a resource. test/unit/iam proves each
// statement with a real policy evaluator, resource by resource, as AWS authorizes.
import type { PermissionDeclaration } from '../permissions';
import { INVENTORY_PERMISSIONS } from './inventory';
import { MANAGED_TAG_VALUE } from './naming';

const arn = (type: string): string => `arn:{partition}:ec2:{region}:{account}:${type}/*`;
const requestTagged = { StringEquals: { 'aws:RequestTag/{managedTagKey}': MANAGED_TAG_VALUE } };
const resourceTagged = { StringEquals: { 'aws:ResourceTag/{managedTagKey}': MANAGED_TAG_VALUE } };

// IAM authorizes each resource of a request on its own, and a request tag is in the context only for the
// resource being created (the SAR lists aws:RequestTag for vpc-endpoint in CreateVpcEndpoint, not for the VPC,
// subnets or route tables). So the tag conditions sit on statements for the created resource alone, and the
// resources a create merely names get their own statements. ec2:VpceServiceName exists only for
// CreateVpcEndpoint's vpc-endpoint: no statement here relies on it.
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
    resources: [arn('security-group')],
    conditions: requestTagged,
    reason: 'Creates the endpoint security group, only with our managed tag in the request',
  },
  {
    sid: 'ReconcilerCreateSecurityGroupInVpc',
    actions: ['ec2:CreateSecurityGroup'],
    resources: [arn('vpc')],
    reason:
      'The VPC a new security group is created in; the request tag is not in its context, and the group statement above requires our tag',
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
    resources: [arn('vpc-endpoint')],
    conditions: requestTagged,
    reason: 'Creates interface and S3 gateway endpoints, only with our managed tag in the request',
  },
  {
    sid: 'ReconcilerCreateEndpointInVpc',
    actions: ['ec2:CreateVpcEndpoint'],
    resources: [arn('vpc'), arn('subnet'), arn('route-table')],
    reason:
      'The VPC, subnets and route tables a new endpoint is placed in; the endpoint statement above requires our tag',
  },
  {
    sid: 'ReconcilerAttachOwnSecurityGroup',
    actions: ['ec2:CreateVpcEndpoint', 'ec2:ModifyVpcEndpoint'],
    resources: [arn('security-group')],
    conditions: resourceTagged,
    reason: 'Endpoints are placed behind our own security group only, never behind one we did not create',
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
    resources: [arn('subnet'), arn('route-table')],
    reason:
      'The subnets and route tables named in ModifyVpcEndpoint; useless without the endpoint statement above',
  },
  {
    sid: 'ReconcilerTagOnCreate',
    actions: ['ec2:CreateTags'],
    resources: [arn('vpc-endpoint'), arn('security-group')],
    conditions: {
      StringEquals: {
        'ec2:CreateAction': ['CreateVpcEndpoint', 'CreateSecurityGroup'],
        'aws:RequestTag/{managedTagKey}': MANAGED_TAG_VALUE,
      },
    },
    reason: 'TagSpecifications on create, carrying our managed tag; never tags an existing resource',
  },
  {
    sid: 'ReconcilerPrivateDnsZone',
    actions: ['route53:AssociateVPCWithHostedZone'],
    resources: ['arn:{partition}:route53:::hostedzone/*'],
    reason:
      'Dependent action of CreateVpcEndpoint with private DNS: associates the VPC with the hosted zone AWS manages for the endpoint',
  },
];

/** Everything reconcileVpc, listEndpoints, readVpcOptIn, listOptedInVpcIds and teardownVpc call. */
export const RECONCILER_PERMISSIONS: PermissionDeclaration[] = [
  ...INVENTORY_PERMISSIONS,
  ...RECONCILER_WRITE_PERMISSIONS,
];
