// Cost of interface endpoints, for `plan` and `apply` output. AWS bills an interface endpoint per
// Availability Zone per hour (partial hours count as full), plus data processed per GB, which we do not
// estimate. Gateway endpoints (S3) have no hourly charge.
import type { Config } from './config';

/** Hours in the month used for estimates (AWS pricing pages use 730). */
export const HOURS_PER_MONTH = 730;

/** Used for a region missing from the table below, unless config.endpointHourlyPriceUsd is set. */
export const DEFAULT_ENDPOINT_HOURLY_PRICE_USD = 0.01;

/**
 * Indicative list prices in USD per interface endpoint per AZ-hour. They drift and vary by region; check the
 * AWS PrivateLink pricing page and set config.endpointHourlyPriceUsd to use your own figure.
 */
export const ENDPOINT_HOURLY_PRICE_USD: Readonly<Record<string, number>> = {
  'us-east-1': 0.01,
  'us-east-2': 0.01,
  'us-west-1': 0.011,
  'us-west-2': 0.01,
  'ca-central-1': 0.011,
  'eu-west-1': 0.011,
  'eu-west-2': 0.011,
  'eu-west-3': 0.011,
  'eu-central-1': 0.012,
  'eu-north-1': 0.011,
  'ap-south-1': 0.011,
  'ap-northeast-1': 0.014,
  'ap-northeast-2': 0.013,
  'ap-southeast-1': 0.013,
  'ap-southeast-2': 0.014,
  'sa-east-1': 0.0175,
};

export interface HourlyPrice {
  usd: number;
  /** Where the figure came from: "config", "table" or "default". */
  source: 'config' | 'table' | 'default';
}

export function endpointHourlyPrice(
  region: string,
  config?: Pick<Config, 'endpointHourlyPriceUsd'>,
): HourlyPrice {
  if (config?.endpointHourlyPriceUsd !== undefined)
    return { usd: config.endpointHourlyPriceUsd, source: 'config' };
  const fromTable = ENDPOINT_HOURLY_PRICE_USD[region];
  if (fromTable !== undefined) return { usd: fromTable, source: 'table' };
  return { usd: DEFAULT_ENDPOINT_HOURLY_PRICE_USD, source: 'default' };
}

/** Monthly USD for `endpointAzs` endpoint-AZ attachments running all month, rounded to cents. */
export function monthlyEndpointCost(endpointAzs: number, hourlyUsd: number): number {
  return Math.round(endpointAzs * hourlyUsd * HOURS_PER_MONTH * 100) / 100;
}

/**
 * Step Functions Standard workflows bill per state transition: $0.025 per 1,000 (us-east-1 list price; the
 * free tier's 4,000 a month is not subtracted).
 */
export const STATE_TRANSITION_PRICE_USD = 0.000025;

// ------------------------------------------------------------------------------ the organization hub
// Indicative us-east-1 list prices for what the hub stack runs (check the AWS pricing pages for your region).

/** DynamoDB on-demand: USD per write request unit (1 KB) and per read request unit (4 KB, strongly consistent). */
export const DYNAMODB_WRITE_REQUEST_USD = 0.625 / 1_000_000;
export const DYNAMODB_READ_REQUEST_USD = 0.125 / 1_000_000;
/** DynamoDB Standard table storage, USD per GB-month (the first 25 GB free tier is not subtracted). */
export const DYNAMODB_STORAGE_GB_MONTH_USD = 0.25;
/** DynamoDB counts 100 bytes of overhead per item in storage. */
export const DYNAMODB_ITEM_OVERHEAD_BYTES = 100;
/** Lambda: USD per request and per GB-second (x86). */
export const LAMBDA_REQUEST_USD = 0.2 / 1_000_000;
export const LAMBDA_GB_SECOND_USD = 0.0000166667;
/** EventBridge: events sent to a bus in another account are billed as custom events, USD per event. */
export const EVENTBRIDGE_CROSS_ACCOUNT_EVENT_USD = 1 / 1_000_000;
/** CloudWatch: a standard-resolution alarm and a dashboard, USD per month each. */
export const CLOUDWATCH_ALARM_MONTH_USD = 0.1;
export const CLOUDWATCH_DASHBOARD_MONTH_USD = 3;

export interface HubCostInput {
  /** Rows in the roll-up (opted-in VPCs across the organization). */
  rows: number;
  /** Average stored item size in bytes (without DynamoDB's per-item overhead). */
  itemBytes: number;
  /** Events each VPC sends the hub per month (sweep heartbeats, decisions, completed runs). */
  eventsPerVpcMonth: number;
  /** The roll-up Lambda's memory (MB) and average duration (ms) per event. */
  lambdaMemoryMb: number;
  lambdaMs: number;
  alarms: number;
  dashboards: number;
}

export interface HubCost {
  eventsPerMonth: number;
  eventBridgeUsd: number;
  lambdaUsd: number;
  dynamodbRequestsUsd: number;
  dynamodbStorageUsd: number;
  alarmsUsd: number;
  dashboardsUsd: number;
  totalUsd: number;
}

/**
 * The hub's monthly cost: every event crosses accounts once, invokes the roll-up Lambda once, and costs one
 * strongly consistent GetItem and one PutItem of the row (the worst case: every event is applied).
 */
export function hubMonthlyCost(input: HubCostInput): HubCost {
  const events = input.rows * input.eventsPerVpcMonth;
  const writeUnits = Math.ceil(input.itemBytes / 1024);
  const readUnits = Math.ceil(input.itemBytes / 4096);
  const cents = (usd: number) => Math.round(usd * 100) / 100;
  const cost = {
    eventsPerMonth: events,
    eventBridgeUsd: cents(events * EVENTBRIDGE_CROSS_ACCOUNT_EVENT_USD),
    lambdaUsd: cents(
      events * LAMBDA_REQUEST_USD +
        events * (input.lambdaMemoryMb / 1024) * (input.lambdaMs / 1000) * LAMBDA_GB_SECOND_USD,
    ),
    dynamodbRequestsUsd: cents(
      events * (writeUnits * DYNAMODB_WRITE_REQUEST_USD + readUnits * DYNAMODB_READ_REQUEST_USD),
    ),
    dynamodbStorageUsd: cents(
      (input.rows * (input.itemBytes + DYNAMODB_ITEM_OVERHEAD_BYTES) * DYNAMODB_STORAGE_GB_MONTH_USD) /
        1024 ** 3,
    ),
    alarmsUsd: cents(input.alarms * CLOUDWATCH_ALARM_MONTH_USD),
    dashboardsUsd: cents(input.dashboards * CLOUDWATCH_DASHBOARD_MONTH_USD),
  };
  const totalUsd = cents(
    cost.eventBridgeUsd +
      cost.lambdaUsd +
      cost.dynamodbRequestsUsd +
      cost.dynamodbStorageUsd +
      cost.alarmsUsd +
      cost.dashboardsUsd,
  );
  return { ...cost, totalUsd };
}
