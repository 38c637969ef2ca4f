// IAM enforcement for clients of an AWS-compatible endpoint that does not evaluate IAM itself (moto): the same
// binding as the simulated account's role clients (enforce.ts), with the resource facts (tags) read from the
// endpoint by an administrator's clients, afresh for every request since the tests change them as they go.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { awsResourceFacts } from '../../shared/authz/facts';
import type { ResourceFacts } from '../../shared/authz/requests';
import type { AwsClients } from '../../shared/clients';
import type { Config } from '../../shared/config';
import { IamAuthorizer } from './authorizer';
import { bindScopedRole, type IamCounters } from './enforce';
import { deployedRoles } from './roles';

export interface EndpointDeployment {
  config: Config;
  region: string;
  account: string;
  documentName: string;
  /** The Windows restart document (default: `${documentName}Windows`). */
  windowsDocumentName?: string;
  tableName: string;
  stateMachineName: string;
}

/** Facts read through `admin` on every call: no cache, so a tag added a moment ago is seen. */
function freshFacts(
  admin: { ec2: EC2Client; ecs: ECSClient; ssm: SSMClient },
  d: EndpointDeployment,
): ResourceFacts {
  const facts = () => awsResourceFacts(admin, { partition: 'aws', region: d.region, account: d.account });
  return {
    partition: 'aws',
    region: d.region,
    account: d.account,
    ec2Tags: (ids) => facts().ec2Tags(ids),
    // moto keeps no tags on container instances and answers ListTagsForResource on one with an HTTP 500 page:
    // they are read as untagged (no policy of the stack conditions on a container instance's tags).
    ecsTags: async (arns) => {
      const clusters = arns.filter((arn) => arn.includes(':cluster/'));
      const tags =
        clusters.length > 0 ? await facts().ecsTags(clusters) : new Map<string, Record<string, string>>();
      for (const arn of arns) if (!tags.has(arn)) tags.set(arn, {});
      return tags;
    },
    documentTags: (name) => facts().documentTags(name),
  };
}

/**
 * Makes every client of `clients` enforce IAM for the calls made inside `asRole(functionId, …)`: each such
 * request is authorized against that function's role in the stack deployed with `deployment` before it reaches
 * the endpoint, and denied as AWS would deny it. Calls outside `asRole` act as the administrator (set-up and
 * assertions), and `admin` (which may be the same clients) reads the tags IAM would see.
 */
export function enforceRolesOnEndpoint(
  clients: AwsClients,
  deployment: EndpointDeployment,
  admin: { ec2: EC2Client; ecs: ECSClient; ssm: SSMClient },
  counters?: IamCounters,
): AwsClients {
  const authorizer = new IamAuthorizer(
    deployedRoles(deployment.config, {
      partition: 'aws',
      region: deployment.region,
      account: deployment.account,
      documentName: deployment.documentName,
      windowsDocumentName: deployment.windowsDocumentName ?? `${deployment.documentName}Windows`,
      tableName: deployment.tableName,
      stateMachineName: deployment.stateMachineName,
    }),
  );
  const facts = freshFacts(admin, deployment);
  for (const client of Object.values(clients) as Array<DynamoDBClient>) {
    bindScopedRole(client as unknown as Parameters<typeof bindScopedRole>[0], {
      authorizer: () => authorizer,
      facts,
      ...(counters ? { counters } : {}),
    });
  }
  return clients;
}
