// The one configuration schema. The CDK app validates it at synth, each Lambda at start-up and the CLI
// when it loads --config. A wrong value produces a ConfigError that names the field and what is allowed.
import { readFileSync } from 'node:fs';
import { ENV } from './env';
import { ConfigError } from './errors';
import * as z from './zod';

/** Endpoint service short names, as in com.amazonaws.<region>.<name>. */
const serviceName = z
  .string()
  .check(
    z.regex(
      /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/,
      'must be an endpoint service short name such as "logs" or "ecr.api"',
    ),
  );

const subnetId = z
  .string()
  .check(z.regex(/^subnet-[0-9a-f]{8,17}$/, 'must be a subnet ID such as subnet-0abc12345'));

/** A whole number, as zod's `z.number().int()`. */
const integer = (...checks: z.core.$ZodCheck<number>[]) => z.number().check(z.int(), ...checks);

/** An integer of 1 or more, or a percentage such as "10%". */
const percentOrCount = z.union([
  integer(z.gte(1)),
  z.string().check(z.regex(/^([1-9][0-9]?|100)%$/, 'must be like "10%"')),
]);

const budget = z.union([
  integer(z.gte(0)),
  z.string().check(z.regex(/^([0-9]|[1-9][0-9]|100)%$/, 'must be like "10%"')),
]);

/** Region names such as us-east-1, eu-central-2, us-gov-west-1, cn-north-1. */
export const REGION_NAME_PATTERN = /^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$/;
const regionName = z
  .string()
  .check(z.regex(REGION_NAME_PATTERN, 'must be a region name such as "eu-west-1"'));

/**
 * Organization scale (docs/organization.md): with this section, the CDK app deploys the hub stack, which
 * deploys the member stack to every account of `targets` in every one of `regions` through a StackSet.
 */
const organizationSchema = z.strictObject({
  /** The AWS Organizations id; the hub bus admits PutEvents only from principals of this organization. */
  id: z.string().check(z.regex(/^o-[a-z0-9]{10,32}$/, 'must be an organization id such as "o-a1b2c3d4e5"')),
  /** OU ids (or the root id) whose accounts get the member stack, now and when they join. */
  targets: z
    .array(
      z
        .string()
        .check(
          z.regex(
            /^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/,
            'must be an OU id such as "ou-ab12-cd34ef56" or a root id such as "r-ab12"',
          ),
        ),
    )
    .check(z.minLength(1, 'must name at least one OU or root')),
  /** Regions the member stack is deployed to in every target account. */
  regions: z.array(regionName).check(z.minLength(1, 'must name at least one region')),
  /** Accounts of the target OUs that get no member stack. */
  excludeAccounts: z._default(
    z.array(z.string().check(z.regex(/^[0-9]{12}$/, 'must be a 12-digit account id'))),
    [],
  ),
  /**
   * The hub is deployed from a delegated administrator for StackSets (true) or from the management account
   * (false); CloudFormation must be told which (CallAs), and it cannot be read at synth time.
   */
  delegatedAdmin: z._default(z.boolean(), true),
  /**
   * Prefix of the per-region buckets that carry the member stack's Lambda code (`<prefix>-<region>`, one per
   * region in `regions`, in the hub account). Default `privatelink-ecs-assets-<hub account id>`.
   */
  assetBucketPrefix: z.optional(
    z
      .string()
      .check(
        z.regex(
          /^[a-z0-9][a-z0-9-]{1,40}[a-z0-9]$/,
          'must be 3-42 lowercase letters, digits and hyphens (a bucket name prefix)',
        ),
      ),
  ),
});

export const DEFAULT_INTERFACE_SERVICES = [
  'ecr.api',
  'ecr.dkr',
  'ecs-agent',
  'ecs-telemetry',
  'ecs',
] as const;
export const SSM_SERVICES = ['ssm', 'ssmmessages', 'ec2messages'] as const;

/** How the S3 gateway endpoint treats route tables whose default route goes to a NAT gateway. */
export const S3_GATEWAY_MODES = ['auto', 'always', 'never'] as const;
export type S3GatewayMode = (typeof S3_GATEWAY_MODES)[number];

export const configSchema = z.strictObject({
  /** Opt-in tag on the VPC (or cluster, with clusterTagOptIn). */
  optInTag: z._default(
    z.strictObject({
      key: z._default(z.string().check(z.minLength(1), z.maxLength(128)), 'privatelink-ecs'),
      value: z._default(z.string().check(z.maxLength(256)), 'enabled'),
    }),
    { key: 'privatelink-ecs', value: 'enabled' },
  ),
  /** Tag key we put on everything we create; its value is `privatelink-ecs`. */
  managedTagKey: z._default(z.string().check(z.minLength(1), z.maxLength(128)), 'privatelink-ecs:managed'),
  /** Interface endpoint services every opted-in VPC gets. */
  interfaceServices: z._default(z.array(serviceName).check(z.minLength(1)), [...DEFAULT_INTERFACE_SERVICES]),
  /** Additional interface services, e.g. logs, secretsmanager, kms. */
  extraServices: z._default(z.array(serviceName), []),
  /**
   * The S3 gateway endpoint: `auto` puts it on the selected route tables except those whose 0.0.0.0/0 goes
   * to a NAT gateway (it would move their S3 traffic off the NAT), `always` on all of them, `never` on none.
   * The booleans of earlier versions are still read: true as `auto` (never `always`: S3 traffic is not
   * moved off a NAT by surprise), false as `never`.
   */
  s3Gateway: z._default(
    z.union(
      [
        z.enum(S3_GATEWAY_MODES),
        z.pipe(
          z.boolean(),
          z.transform((enabled: boolean): S3GatewayMode => (enabled ? 'auto' : 'never')),
        ),
      ],
      { error: 'must be "auto", "always" or "never" (true is read as "auto", false as "never")' },
    ),
    'auto',
  ),
  /** ssm, ssmmessages and ec2messages: auto adds them when the selected subnets have no NAT or internet route. */
  ssmEndpoints: z._default(z.enum(['auto', 'always', 'never']), 'auto'),
  /** Which subnets host interface endpoints: private ones, all, or an explicit list of IDs. */
  subnets: z._default(
    z.union([z.enum(['private', 'all']), z.array(subnetId).check(z.minLength(1))]),
    'private',
  ),
  /** Agent restart rollout. */
  restart: z._default(
    z.strictObject({
      maxConcurrency: z._default(percentOrCount, '10%'),
      maxErrors: z._default(budget, 0),
      fallback: z._default(z.enum(['report', 'reboot']), 'report'),
      agentUpdate: z._default(z.boolean(), false),
      commandTimeoutSeconds: z._default(integer(z.gte(30), z.lte(3600)), 300),
      reconnectTimeoutSeconds: z._default(integer(z.gte(30), z.lte(3600)), 300),
      /** Optional tag (key=value) an instance must carry for SendCommand to be allowed on it. */
      instanceTag: z.optional(z.strictObject({ key: z.string().check(z.minLength(1)), value: z.string() })),
    }),
    {
      maxConcurrency: '10%',
      maxErrors: 0,
      fallback: 'report',
      agentUpdate: false,
      commandTimeoutSeconds: 300,
      reconnectTimeoutSeconds: 300,
    },
  ),
  /** Wait for endpoints to become available. */
  endpointWait: z._default(
    z.strictObject({
      timeoutSeconds: z._default(integer(z.gte(60), z.lte(86_400)), 900),
      minIntervalSeconds: z._default(integer(z.gte(1), z.lte(600)), 15),
      maxIntervalSeconds: z._default(integer(z.gte(1), z.lte(3600)), 60),
    }),
    { timeoutSeconds: 900, minIntervalSeconds: 15, maxIntervalSeconds: 60 },
  ),
  /** Periodic sweep of opted-in VPCs; schedule is an EventBridge rate() or cron() expression. */
  sweep: z._default(
    z.strictObject({
      enabled: z._default(z.boolean(), true),
      schedule: z._default(
        z
          .string()
          .check(z.regex(/^(rate|cron)\(.+\)$/, 'must be an EventBridge schedule such as "rate(6 hours)"')),
        'rate(6 hours)',
      ),
    }),
    { enabled: true, schedule: 'rate(6 hours)' },
  ),
  /** On opt-out, delete the endpoints and security group we created (only with no instances left). */
  teardownOnOptOut: z._default(z.boolean(), false),
  /** A cluster carrying the opt-in tag opts its instances' VPCs in. */
  clusterTagOptIn: z._default(z.boolean(), false),
  /** Optional email subscribed to the notification topic. */
  notificationEmail: z.optional(z.email()),
  /** CloudWatch Logs retention for every log group the stack creates. */
  logRetentionDays: z._default(
    integer(
      z.refine((d: number) => LOG_RETENTION_DAYS.includes(d), {
        message:
          'must be one of the CloudWatch Logs retention values (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)',
      }),
    ),
    365,
  ),
  /** Price of one interface endpoint per AZ-hour in USD, overriding the built-in region table. */
  endpointHourlyPriceUsd: z.optional(z.number().check(z.positive())),
  /** Deploy across an AWS Organization through a hub stack (docs/organization.md). */
  organization: z.optional(organizationSchema),
});

const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

export type Config = z.infer<typeof configSchema>;
export type OrganizationConfig = NonNullable<Config['organization']>;
export type ConfigInput = z.input<typeof configSchema>;

/** Validates raw configuration. Throws ConfigError naming every wrong field. */
export function parseConfig(raw: unknown, source = 'configuration'): Config {
  const result = configSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.length ? issue.path.join('.') : '(root)';
    return `${field}: ${issue.message}`;
  });
  throw new ConfigError(`invalid ${source}: ${problems.join('; ')}`, {
    field: result.error.issues[0]?.path.join('.'),
  });
}

/** Lambda start-up: the stack passes the validated config as JSON in one environment variable. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  const raw = env[ENV.config];
  if (!raw) return parseConfig({});
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new ConfigError(`${ENV.config} is not valid JSON`, { field: ENV.config }, { cause: err });
  }
  return parseConfig(json, ENV.config);
}

/** CLI and CDK: read a JSON config file. */
export function configFromFile(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`, {}, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(
      `config file ${path} is not valid JSON: ${(err as Error).message}`,
      {},
      { cause: err },
    );
  }
  return parseConfig(json, `config file ${path}`);
}

/** Every interface service the config asks for (before the ssm auto decision), de-duplicated, in order. */
export function configuredInterfaceServices(config: Config): string[] {
  return [...new Set([...config.interfaceServices, ...config.extraServices])];
}
