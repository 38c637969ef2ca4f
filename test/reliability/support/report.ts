// What the reliability suite reports: each test records its scenarios and properties here, and the suite's
// reporter (reporter.js) prints them as one table after the run. Records go to the JSON-lines file the
// reporter names in RELIABILITY_REPORT_FILE; without the reporter (a single file run by hand) nothing is kept.
import { appendFileSync } from 'node:fs';
import { FAULT_KINDS, type FaultStats } from '../../support/faults';

export const REPORT_FILE_ENV = 'RELIABILITY_REPORT_FILE';

export interface ScenarioRecord {
  kind: 'scenario';
  /** The area: planner, faults, concurrency, fuzzing. */
  suite: string;
  scenario: string;
  /** Backend the scenario ran on: sim or moto. */
  backend: string;
  /** Faults injected, per kind (all zero when none were injected). */
  faults: Record<string, number>;
  /** Write calls delivered to the backend (after faults). */
  writes: number;
  /** Duplicates found at the end: extra endpoints per service, extra S3 routes, extra executions. Must be 0. */
  duplicates: number;
  /** Items reported as failed (per-item errors surfaced to the caller). */
  reportedFailures?: number;
  note?: string;
}

export interface PropertyRecord {
  kind: 'property';
  suite: string;
  property: string;
  runs: number;
  seed?: number;
}

export type ReliabilityRecord = ScenarioRecord | PropertyRecord;

function append(record: ReliabilityRecord): void {
  const file = process.env[REPORT_FILE_ENV];
  if (file) appendFileSync(file, `${JSON.stringify(record)}\n`);
}

export function recordScenario(record: Omit<ScenarioRecord, 'kind'>): void {
  append({ kind: 'scenario', ...record });
}

export function recordProperty(record: Omit<PropertyRecord, 'kind'>): void {
  append({ kind: 'property', ...record });
}

/** The per-kind fault counts of a FaultStats, for a ScenarioRecord. */
export function faultCounts(stats: FaultStats): Record<string, number> {
  return Object.fromEntries(FAULT_KINDS.map((kind) => [kind, stats.injected[kind]]));
}
