// The one configuration schema. The CDK app validates it at synth, each Lambda at start-up and the CLI
// when it loads --config. A wrong value produces a ConfigError that names the field and what is allowed.
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { ENV } from './env';
import { ConfigError } from './errors';

/** Endpoint service short names, as in com.amazonaws.<region>.<name>. */
const serviceName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/,
    'must be an endpoint service short name such as "logs" or "ecr.api"',
  );

const subnetId = z.string().regex(/^subnet-[0-9a-f]{8,17}$/, 'must be a subnet ID such as subnet-0abc12345');

const percentOrCount = z
  .union([z.number().int().min(1), z.string().regex(/^([1-9][0-9]?|100)%$/, 'must be like "10%"')])
  .describe('an integer of 1 or more, or a percentage such as "10%"');

const budget = z.union([
  z.number().int().min(0),
  z.string().regex(/^([0-9]|[1-9][0-9]|100)%$/, 'must be like "10%"'),
]);

/** Region names such as us-east-1, eu-central-2, us-gov-west-1, cn-north-1. */
export const REGION_NAME_PATTERN = /^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$/;
const regionName = z.string().regex(REGION_NAME_PATTERN, 'must be a region name such as "eu-west-1"');

/**
 * Organization scale (docs/organization.md): with this section, the CDK app deploys the hub stack, which
 * deploys the member stack to every account of `targets` in every one of `regions` through a StackSet.
 */
const organizationSchema = z
  .object({
    /** The AWS Organizations id; the hub bus admits PutEvents only from principals of this organization. */
    id: z.string().regex(/^o-[a-z0-9]{10,32}$/, 'must be an organization id such as "o-a1b2c3d4e5"'),
    /** OU ids (or the root id) whose accounts get the member stack, now and when they join. */
    targets: z
      .array(
        z
          .string()
          .regex(
            /^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/,
            'must be an OU id such as "ou-ab12-cd34ef56" or a root id such as "r-ab12"',
          ),
      )
      .min(1, 'must name at least one OU or root'),
    /** Regions the member stack is deployed to in every target account. */
    regions: z.array(regionName).min(1, 'must name at least one region'),
    /** Accounts of the target OUs that get no member stack. */
    excludeAccounts: z.array(z.string().regex(/^[0-9]{12}$/, 'must be a 12-digit account id')).default([]),
    /**
     * The hub is deployed from a delegated administrator for StackSets (true) or from the management account
     * (false); CloudFormation must be told which (CallAs), and it cannot be read at synth time.
     */
    delegatedAdmin: z.boolean().default(true),
    /**
     * Prefix of the per-region buckets that carry the member stack's Lambda code (`<prefix>-<region>`, one per
     * region in `regions`, in the hub account). Default `privatelink-ecs-assets-<hub account id>`.
     */
    assetBucketPrefix: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9-]{1,40}[a-z0-9]$/,
        'must be 3-42 lowercase letters, digits and hyphens (a bucket name prefix)',
      )
      .optional(),
  })
  .strict();

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

export const configSchema = z
  .object({
    /** Opt-in tag on the VPC (or cluster, with clusterTagOptIn). */
    optInTag: z
      .object({
        key: z.string().min(1).max(128).default('privatelink-ecs'),
        value: z.string().max(256).default('enabled'),
      })
      .strict()
      .default({ key: 'privatelink-ecs', value: 'enabled' }),
    /** Tag key we put on everything we create; its value is `privatelink-ecs`. */
    managedTagKey: z.string().min(1).max(128).default('privatelink-ecs:managed'),
    /** Interface endpoint services every opted-in VPC gets. */
    interfaceServices: z
      .array(serviceName)
      .min(1)
      .default([...DEFAULT_INTERFACE_SERVICES]),
    /** Additional interface services, e.g. logs, secretsmanager, kms. */
    extraServices: z.array(serviceName).default([]),
    /**
     * The S3 gateway endpoint: `auto` puts it on the selected route tables except those whose 0.0.0.0/0 goes
     * to a NAT gateway (it would move their S3 traffic off the NAT), `always` on all of them, `never` on none.
     * The booleans of earlier versions are still read: true as `auto` (never `always`: S3 traffic is not
     * moved off a NAT by surprise), false as `never`.
     */
    s3Gateway: z
      .union(
        [
          z.enum(S3_GATEWAY_MODES),
          z.boolean().transform((enabled): S3GatewayMode => (enabled ? 'auto' : 'never')),
        ],
        { error: 'must be "auto", "always" or "never" (true is read as "auto", false as "never")' },
      )
      .default('auto'),
    /** ssm, ssmmessages and ec2messages: auto adds them when the selected subnets have no NAT or internet route. */
    ssmEndpoints: z.enum(['auto', 'always', 'never']).default('auto'),
    /** Which subnets host interface endpoints: private ones, all, or an explicit list of IDs. */
    subnets: z.union([z.enum(['private', 'all']), z.array(subnetId).min(1)]).default('private'),
    /** Agent restart rollout. */
    restart: z
      .object({
        maxConcurrency: percentOrCount.default('10%'),
        maxErrors: budget.default(0),
        fallback: z.enum(['report', 'reboot']).default('report'),
        agentUpdate: z.boolean().default(false),
        commandTimeoutSeconds: z.number().int().min(30).max(3600).default(300),
        reconnectTimeoutSeconds: z.number().int().min(30).max(3600).default(300),
        /** Optional tag (key=value) an instance must carry for SendCommand to be allowed on it. */
        instanceTag: z
          .object({ key: z.string().min(1), value: z.string() })
          .strict()
          .optional(),
      })
      .strict()
      .default({
        maxConcurrency: '10%',
        maxErrors: 0,
        fallback: 'report',
        agentUpdate: false,
        commandTimeoutSeconds: 300,
        reconnectTimeoutSeconds: 300,
      }),
    /** Wait for endpoints to become available. */
    endpointWait: z
      .object({
        timeoutSeconds: z.number().int().min(60).max(86_400).default(900),
        minIntervalSeconds: z.number().int().min(1).max(600).default(15),
        maxIntervalSeconds: z.number().int().min(1).max(3600).default(60),
      })
      .strict()
      .default({ timeoutSeconds: 900, minIntervalSeconds: 15, maxIntervalSeconds: 60 }),
    /** Periodic sweep of opted-in VPCs; schedule is an EventBridge rate() or cron() expression. */
    sweep: z
      .object({
        enabled: z.boolean().default(true),
        schedule: z
          .string()
          .regex(/^(rate|cron)\(.+\)$/, 'must be an EventBridge schedule such as "rate(6 hours)"')
          .default('rate(6 hours)'),
      })
      .strict()
      .default({ enabled: true, schedule: 'rate(6 hours)' }),
    /** On opt-out, delete the endpoints and security group we created (only with no instances left). */
    teardownOnOptOut: z.boolean().default(false),
    /** A cluster carrying the opt-in tag opts its instances' VPCs in. */
    clusterTagOptIn: z.boolean().default(false),
    /** Optional email subscribed to the notification topic. */
    notificationEmail: z.email().optional(),
    /** CloudWatch Logs retention for every log group the stack creates. */
    logRetentionDays: z
      .number()
      .int()
      .refine((d) => LOG_RETENTION_DAYS.includes(d), {
        message:
          'must be one of the CloudWatch Logs retention values (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)',
      })
      .default(365),
    /** Price of one interface endpoint per AZ-hour in USD, overriding the built-in region table. */
    endpointHourlyPriceUsd: z.number().positive().optional(),
    /** Deploy across an AWS Organization through a hub stack (docs/organization.md). */
    organization: organizationSchema.optional(),
  })
  .strict();

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
