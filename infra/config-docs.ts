// The README's configuration table, generated from the one schema (shared/config.ts) so it cannot drift:
// `npx tsx infra/config-docs.ts` prints it, and an infra test checks README.md contains exactly this table.
import { type Config, configSchema, parseConfig } from '../shared/config';

/** What each setting means. Every leaf of the schema must have an entry (checked when the table is built). */
export const CONFIG_MEANINGS: Readonly<Record<string, string>> = {
  'optInTag.key': 'Tag key that opts a VPC in.',
  'optInTag.value': 'Tag value that opts a VPC in.',
  managedTagKey:
    'Tag key put on every endpoint and security group privatelink-ecs creates; IAM only lets it modify or delete resources carrying it.',
  interfaceServices:
    'Interface endpoint services every opted-in VPC gets (short names, as in `com.amazonaws.<region>.<name>`).',
  extraServices: 'Additional interface endpoint services, e.g. `["logs", "secretsmanager"]`.',
  s3Gateway:
    'S3 gateway endpoint on the route tables of the selected subnets: `auto` leaves off route tables whose `0.0.0.0/0` goes to a NAT gateway (the gateway would move their S3 traffic off the NAT; `plan` names each), `always` includes them, `never` plans no S3 gateway. `true` is read as `auto`, `false` as `never`.',
  ssmEndpoints:
    '`ssm`, `ssmmessages`, `ec2messages` endpoints: `auto` adds them when the selected subnets have no NAT or internet route; `always` or `never`.',
  subnets: 'Subnets that host interface endpoints: `private`, `all`, or a list of subnet IDs.',
  'restart.maxConcurrency':
    'Agents restarted (or updated) at once: a count, or a percentage of the container instances such as `"10%"`.',
  'restart.maxErrors':
    'Failed restarts and agent updates tolerated before the rollout stops: a count or a percentage.',
  'restart.fallback':
    'What to do with an instance SSM does not manage: `report` it (skipped, with what to do), or `reboot` it (drain, reboot, wait for the agent, set ACTIVE), one at a time.',
  'restart.agentUpdate':
    'Also update agents older than 1.25.1 with ecs:UpdateContainerAgent, in batches of `maxConcurrency` under `maxErrors` (the permission is only granted when on).',
  'restart.commandTimeoutSeconds': 'Timeout of the SSM restart command on one instance (30-3600).',
  'restart.reconnectTimeoutSeconds': 'How long to wait for a restarted agent to reconnect (30-3600).',
  'restart.instanceTag':
    'Optional `{"key": …, "value": …}`: IAM allows ssm:SendCommand only on instances carrying this tag.',
  'endpointWait.timeoutSeconds': 'How long the workflow waits for endpoints to become available (60-86400).',
  'endpointWait.minIntervalSeconds': 'First polling interval while waiting for endpoints.',
  'endpointWait.maxIntervalSeconds': 'Longest polling interval (the wait backs off up to this).',
  'sweep.enabled': 'Run the periodic sweep of opted-in VPCs.',
  'sweep.schedule': 'EventBridge schedule of the sweep: `rate(...)` or `cron(...)`.',
  teardownOnOptOut:
    'When the opt-in tag is removed, delete the endpoints and security group privatelink-ecs created (only if no container instances remain).',
  clusterTagOptIn: "An ECS cluster carrying the opt-in tag opts its instances' VPCs in.",
  notificationEmail: 'Email address subscribed to the notification topic (confirm the subscription email).',
  logRetentionDays:
    'CloudWatch Logs retention of every log group the stack creates; one of the CloudWatch values (1, 3, 5, 7, 14, 30, … 3653).',
  endpointHourlyPriceUsd:
    'Price of one interface endpoint per AZ-hour in USD, overriding the built-in region table.',
  organization:
    'Optional: deploy across an AWS Organization (see docs/organization.md). `{"id": "o-…", "targets": ["ou-…" or "r-…"], "regions": ["eu-west-1", …]}`, optionally `excludeAccounts` (12-digit ids), `delegatedAdmin` (default `true`; `false` when deploying from the management account) and `assetBucketPrefix` (default `privatelink-ecs-assets-<hub account>`). `npx cdk deploy` then deploys the hub stack, which deploys this stack to every target account and region through a StackSet.',
};

interface ZodNode {
  _zod: { def: { type: string; innerType?: ZodNode; shape?: Record<string, ZodNode> } };
}

/** Every documented setting path: nested objects are expanded, except optional ones documented as a whole. */
export function schemaLeafPaths(): string[] {
  const paths: string[] = [];
  const walk = (node: ZodNode, path: string, optional: boolean): void => {
    const def = node._zod.def;
    if (def.type === 'default') {
      walk(def.innerType!, path, optional);
      return;
    }
    if (def.type === 'optional') {
      walk(def.innerType!, path, true);
      return;
    }
    if (def.type === 'object' && def.shape && !optional) {
      for (const [key, child] of Object.entries(def.shape)) walk(child, path ? `${path}.${key}` : key, false);
      return;
    }
    paths.push(path);
  };
  walk(configSchema as unknown as ZodNode, '', false);
  return paths;
}

function defaultOf(defaults: Config, path: string): string {
  let value: unknown = defaults;
  for (const part of path.split('.')) value = (value as Record<string, unknown> | undefined)?.[part];
  return value === undefined ? '(none)' : `\`${JSON.stringify(value)}\``;
}

/** The Markdown table: name, default, meaning. Throws when a schema setting has no meaning documented. */
export function configTable(): string {
  const defaults = parseConfig({});
  const paths = schemaLeafPaths();
  const undocumented = paths.filter((p) => !(p in CONFIG_MEANINGS));
  if (undocumented.length > 0) {
    throw new Error(
      `configuration settings without a meaning in infra/config-docs.ts: ${undocumented.join(', ')}`,
    );
  }
  const stale = Object.keys(CONFIG_MEANINGS).filter((p) => !paths.includes(p));
  if (stale.length > 0)
    throw new Error(`infra/config-docs.ts documents unknown settings: ${stale.join(', ')}`);
  const escapeCell = (text: string): string => text.replace(/\|/g, '\\|');
  const rows = paths.map(
    (p) => `| \`${p}\` | ${escapeCell(defaultOf(defaults, p))} | ${escapeCell(CONFIG_MEANINGS[p]!)} |`,
  );
  return ['| Name | Default | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

if (require.main === module) {
  process.stdout.write(`${configTable()}\n`);
}
