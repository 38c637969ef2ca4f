// Rendering helpers for CLI output: plain-text tables, money, and the reconciler's plan and results.
import { addedEndpointAzs } from '../../shared/reconciler';
import type { ActionResult, PlannedAction } from '../../shared/reconciler/types';

export type Row = Record<string, string | number>;

/** A left-aligned text table with a header row and a dashed rule. Cells are single-line. */
export function renderTable(rows: Row[], headers: string[] = rows[0] ? Object.keys(rows[0]) : []): string {
  if (rows.length === 0) return '  (none)\n';
  const text = (v: string | number | undefined) => String(v ?? '').replace(/\s*\n\s*/g, ' ');
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => text(r[h]).length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd();
  return [
    line(headers),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(headers.map((h) => text(r[h])))),
  ]
    .join('\n')
    .concat('\n');
}

export function formatUsd(usd: number): string {
  return `$${usd.toFixed(2)}`;
}

/** What an action touches, in one cell: the target then the resources it adds. */
export function actionResources(action: PlannedAction): string {
  const ids =
    action.targetId && !action.resourceIds.includes(action.targetId)
      ? [action.targetId, ...action.resourceIds]
      : action.resourceIds;
  const cidrs = [...(action.cidrs ?? []), ...(action.ipv6Cidrs ?? [])];
  return [...ids, ...cidrs].join(' ');
}

export interface PlanRowContext {
  /** Subnet ID → AZ name, so each subnet shows where it is. */
  azOf?: Map<string, string>;
  /** Hourly price of one interface endpoint AZ, for the per-action monthly cost. */
  hourlyUsd?: number;
  hoursPerMonth?: number;
}

/** Monthly cost one action adds: interface endpoint AZs only (gateways and other actions cost nothing hourly). */
export function actionMonthlyUsd(action: PlannedAction, hourlyUsd: number, hoursPerMonth: number): number {
  return addedEndpointAzs([action]) * hourlyUsd * hoursPerMonth;
}

export function planRows(actions: PlannedAction[], context: PlanRowContext = {}): Row[] {
  const where = (a: PlannedAction) => {
    const text = actionResources(a);
    const azOf = context.azOf;
    if (!azOf) return text;
    return text
      .split(' ')
      .map((id) => (azOf.has(id) ? `${id} (${azOf.get(id)})` : id))
      .join(' ');
  };
  return actions.map((a, i) => ({
    '#': i + 1,
    ACTION: a.kind,
    SERVICE: a.service ?? '-',
    WHERE: where(a),
    ...(context.hourlyUsd === undefined
      ? {}
      : {
          'COST/MONTH': formatUsd(actionMonthlyUsd(a, context.hourlyUsd, context.hoursPerMonth ?? 730)),
        }),
    WHY: a.reason,
  }));
}

export function resultRows(results: ActionResult[]): Row[] {
  return results.map((r, i) => ({
    '#': i + 1,
    ACTION: r.action.kind,
    SERVICE: r.action.service ?? '-',
    STATUS: r.status.toUpperCase(),
    RESOURCE: r.resourceId ?? '-',
    MESSAGE: r.errorName ? `${r.errorName}: ${r.message}` : r.message,
  }));
}

/** The JSON shape of one planned action in `plan --json` and `apply --json`. */
export function actionJson(action: PlannedAction): Record<string, unknown> {
  return {
    kind: action.kind,
    service: action.service ?? null,
    resourceIds: action.resourceIds,
    targetId: action.targetId ?? null,
    ...(action.cidrs || action.ipv6Cidrs
      ? { cidrs: [...(action.cidrs ?? []), ...(action.ipv6Cidrs ?? [])] }
      : {}),
    reason: action.reason,
  };
}
