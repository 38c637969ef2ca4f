// ResourceFacts over real AWS reads: the tags IAM puts in a request's context, read the way an operator's
// credentials can read them (EC2 DescribeTags, ECS ListTagsForResource, SSM ListTagsForResource). Used by
// `privatelink-ecs doctor` to build the context entries of iam:SimulatePrincipalPolicy. Every answer is cached
// for the life of the object, so a fleet's instances are read once however many checks name them.
import { type EC2Client, paginateDescribeTags } from '@aws-sdk/client-ec2';
import { type ECSClient, ListTagsForResourceCommand as EcsListTags } from '@aws-sdk/client-ecs';
import { type SSMClient, ListTagsForResourceCommand as SsmListTags } from '@aws-sdk/client-ssm';
import { errorName } from '../errors';
import type { ResourceFacts } from './requests';

type Tags = Record<string, string>;

/** DescribeTags accepts up to 200 values in one filter. */
const DESCRIBE_TAGS_IDS = 200;

export interface AwsFactsOptions {
  partition: string;
  region: string;
  account: string;
  /**
   * Tags of resources that do not exist yet but that a planned run would create (a new endpoint or security
   * group, by its stand-in id): their tags are those the create request carries.
   */
  planned?: ReadonlyMap<string, Tags>;
}

/** ECS answers these for an ARN it does not know (a deregistered instance, a deleted cluster). */
const ECS_UNKNOWN = new Set(['InvalidParameterException', 'ClientException', 'ResourceNotFoundException']);
/** SSM answers these for a document that does not exist. */
const SSM_UNKNOWN = new Set(['InvalidResourceId', 'InvalidDocument']);

export function awsResourceFacts(
  clients: { ec2: EC2Client; ecs: ECSClient; ssm: SSMClient },
  options: AwsFactsOptions,
): ResourceFacts {
  const ec2Cache = new Map<string, Tags | undefined>();
  const ecsCache = new Map<string, Promise<Tags | undefined>>();
  const documentCache = new Map<string, Promise<Tags | undefined>>();
  const planned = options.planned ?? new Map<string, Tags>();

  async function readEc2(ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += DESCRIBE_TAGS_IDS) {
      const part = ids.slice(i, i + DESCRIBE_TAGS_IDS);
      // A resource without tags has no rows: known, with no tags.
      for (const id of part) ec2Cache.set(id, {});
      for await (const page of paginateDescribeTags(
        { client: clients.ec2 },
        { Filters: [{ Name: 'resource-id', Values: part }] },
      )) {
        for (const tag of page.Tags ?? []) {
          if (!tag.ResourceId || tag.Key === undefined) continue;
          const tags = ec2Cache.get(tag.ResourceId) ?? {};
          tags[tag.Key] = tag.Value ?? '';
          ec2Cache.set(tag.ResourceId, tags);
        }
      }
    }
  }

  async function readEcs(arn: string): Promise<Tags | undefined> {
    try {
      const out = await clients.ecs.send(new EcsListTags({ resourceArn: arn }));
      return Object.fromEntries((out.tags ?? []).map((t) => [t.key ?? '', t.value ?? '']));
    } catch (err) {
      if (ECS_UNKNOWN.has(errorName(err))) return undefined;
      throw err;
    }
  }

  async function readDocument(name: string): Promise<Tags | undefined> {
    try {
      const out = await clients.ssm.send(new SsmListTags({ ResourceType: 'Document', ResourceId: name }));
      return Object.fromEntries((out.TagList ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
    } catch (err) {
      if (SSM_UNKNOWN.has(errorName(err))) return undefined;
      throw err;
    }
  }

  return {
    partition: options.partition,
    region: options.region,
    account: options.account,
    ec2Tags: async (ids) => {
      const unread = [...new Set(ids)].filter(
        (id) => id && id !== '*' && !planned.has(id) && !ec2Cache.has(id),
      );
      if (unread.length) await readEc2(unread);
      const out = new Map<string, Tags>();
      for (const id of ids) {
        const tags = planned.get(id) ?? ec2Cache.get(id);
        if (tags) out.set(id, { ...tags });
      }
      return out;
    },
    ecsTags: async (arns) => {
      const out = new Map<string, Tags>();
      for (const arn of arns) {
        let pending = ecsCache.get(arn);
        if (!pending) {
          pending = readEcs(arn);
          ecsCache.set(arn, pending);
        }
        const tags = await pending;
        if (tags) out.set(arn, { ...tags });
      }
      return out;
    },
    documentTags: async (name) => {
      let pending = documentCache.get(name);
      if (!pending) {
        pending = readDocument(name);
        documentCache.set(name, pending);
      }
      const tags = await pending;
      return tags ? { ...tags } : undefined;
    },
  };
}
