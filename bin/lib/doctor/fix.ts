// The fix for a denied check. AWS decided the denial (SimulatePrincipalPolicy); this only finds which
// permission declaration of this version of privatelink-ecs (shared/*/permissions.ts, the source of the
// stack's statements) covers the action and resource, so the fix can say what to do:
// - a declaration covers it without a condition, or with a StringEquals condition the request meets: the
//   deployed role is older than this code: redeploy the stack;
// - the declarations covering it all carry a condition the request does not meet: say which, and how to meet it;
// - no declaration covers it: the code calls what its permissions do not declare, a bug to report.
import type { RequestContext } from '../../../shared/authz/requests';
import type { Config } from '../../../shared/config';
import { triggerFunctionPermissions } from '../../../shared/events/permissions';
import {
  fillPlaceholders,
  type PermissionDeclaration,
  type PlaceholderValues,
} from '../../../shared/permissions';
import { workflowPermissions } from '../../../shared/workflow/permissions';
import { STEP_NAMES } from '../../../shared/workflow/steps';
import { triggerFunctionIds } from './calls';
import type { CheckResult } from './iam';

export interface StackNames {
  partition: string;
  region: string;
  account: string;
  tableName: string;
  documentName: string;
  /** Absent on a stack deployed before the Windows document. */
  windowsDocumentName?: string;
  stateMachineArn: string;
}

/** The declarations the stack builds `functionId`'s role from, for this config. */
export function declarationsFor(functionId: string, config: Config): PermissionDeclaration[] {
  if (triggerFunctionIds(config).includes(functionId)) return triggerFunctionPermissions(config);
  const step = STEP_NAMES.find((s) => `Workflow${s}` === functionId);
  return step ? workflowPermissions(config)[step] : [];
}

export function placeholderValues(config: Config, s: StackNames): PlaceholderValues {
  const smName = s.stateMachineArn.split(':').pop() ?? '';
  return {
    partition: s.partition,
    region: s.region,
    account: s.account,
    managedTagKey: config.managedTagKey,
    documentName: s.documentName,
    // Without a Windows document the statement names the Linux one twice: nothing more is expected.
    windowsDocumentName: s.windowsDocumentName ?? s.documentName,
    stateMachineArn: s.stateMachineArn,
    stateMachineExecutionsArn: `arn:${s.partition}:states:${s.region}:${s.account}:execution:${smName}:*`,
    tableArn: `arn:${s.partition}:dynamodb:${s.region}:${s.account}:table/${s.tableName}`,
    eventBusArn: `arn:${s.partition}:events:${s.region}:${s.account}:event-bus/default`,
  };
}

/** IAM's resource matching: `*` any run of characters, `?` one character. */
function globMatches(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(value);
}

interface UnmetCondition {
  key: string;
  wanted: string[];
  actual: string | string[] | undefined;
}

/** The StringEquals conditions this context does not meet; undefined when another operator is involved. */
function unmetConditions(decl: PermissionDeclaration, values: PlaceholderValues, context: RequestContext) {
  const unmet: UnmetCondition[] = [];
  for (const [operator, block] of Object.entries(decl.conditions ?? {})) {
    if (operator !== 'StringEquals') return undefined;
    for (const [rawKey, rawWanted] of Object.entries(block)) {
      const key = fillPlaceholders(rawKey, values);
      const wanted = (Array.isArray(rawWanted) ? rawWanted : [String(rawWanted)]).map((v) =>
        fillPlaceholders(v, values),
      );
      const actual = context[key];
      if (typeof actual !== 'string' || !wanted.includes(actual)) unmet.push({ key, wanted, actual });
    }
  }
  return unmet;
}

const REDEPLOY = 'redeploy the stack (npx cdk deploy) so the role gets it';

function conditionFix(config: Config, check: CheckResult, sid: string, unmet: UnmetCondition[]): string {
  const parts = unmet.map((u) => {
    const now = u.actual === undefined ? 'absent' : JSON.stringify(u.actual);
    return `${u.key} = ${u.wanted.join(' or ')} (here: ${now})`;
  });
  const tag = config.restart.instanceTag;
  const instanceTagKey =
    tag && unmet.find((u) => u.key.toLowerCase().endsWith(`tag/${tag.key.toLowerCase()}`));
  const managed = unmet.find((u) => u.key.endsWith(`Tag/${config.managedTagKey}`));
  const remedy = instanceTagKey
    ? `tag ${check.resource.split('/').pop()} ${tag!.key}=${tag!.value} (restart.instanceTag), or change restart.instanceTag and redeploy`
    : managed
      ? `privatelink-ecs changes only what it created (tag ${config.managedTagKey}); this resource was not created by it`
      : 'meet the condition, or change the config and redeploy';
  return `statement ${sid} allows it only when ${parts.join(' and ')}: ${remedy}`;
}

/** The fix line for one denied check. */
export function fixFor(check: CheckResult, config: Config, names: StackNames): string {
  if (check.decision === 'explicitDeny') {
    return 'an explicit Deny refuses it (a service control policy, a permissions boundary or another policy on the role): ask your administrator to exempt this role';
  }
  const values = placeholderValues(config, names);
  const covering = declarationsFor(check.functionId, config).filter(
    (d) =>
      d.actions.includes(check.action) &&
      d.resources.some((r) => {
        const pattern = fillPlaceholders(r, values);
        return check.resource === '*' ? pattern === '*' : globMatches(pattern, check.resource);
      }),
  );
  if (covering.length === 0) {
    return `no statement of this function's role in this version of privatelink-ecs declares ${check.action} on this resource: a bug (the code calls what its permissions do not declare); please report it`;
  }
  const unmet = covering.map((d) => ({ d, unmet: unmetConditions(d, values, check.context) }));
  const granted = unmet.find((u) => u.unmet?.length === 0);
  if (granted)
    return `this version grants it (statement ${granted.d.sid}) but the deployed role lacks it: ${REDEPLOY}`;
  const explained = unmet.find((u) => u.unmet !== undefined);
  if (explained) return conditionFix(config, check, explained.d.sid, explained.unmet!);
  const d = covering[0]!;
  return `statement ${d.sid} allows it only under the condition ${JSON.stringify(d.conditions)}; if the resource meets it, ${REDEPLOY}`;
}
