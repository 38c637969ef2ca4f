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
