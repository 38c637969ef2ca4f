// Turns the permission declarations exported next to the code that makes each AWS call into IAM policy
// statements. The grants therefore follow the code: there is no hand-kept list of actions here, only the
// config-driven narrowing the issue asks for (agent updates, instance tag) and a guard against wildcards.
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Config } from '../shared/config';
import { ConfigError } from '../shared/errors';
import { fillPlaceholders, type PermissionDeclaration, type PlaceholderValues } from '../shared/permissions';

/** Read-only verbs that may use `Resource: "*"` when AWS offers no resource-level permission. */
const READ_ONLY_PREFIX = /^[a-z0-9-]+:(Describe|List|Get|BatchGet)[A-Za-z]*$/;
const SID = /^[A-Za-z0-9]+$/;

export const AGENT_UPDATE_ACTION = 'ecs:UpdateContainerAgent';
export const SEND_COMMAND_ACTION = 'ssm:SendCommand';

export function isReadOnlyAction(action: string): boolean {
  return READ_ONLY_PREFIX.test(action);
}

/** Throws when a declaration breaks the least-privilege rules, naming the declaration. */
export function validateDeclaration(decl: PermissionDeclaration): void {
  const where = `permission declaration ${decl.sid || '(no sid)'}`;
  if (!SID.test(decl.sid)) throw new ConfigError(`${where}: sid must be letters and digits only`);
  if (decl.actions.length === 0) throw new ConfigError(`${where}: declares no actions`);
  if (decl.resources.length === 0) throw new ConfigError(`${where}: declares no resources`);
  if (!decl.reason.trim()) throw new ConfigError(`${where}: needs a one-line reason`);
  for (const action of decl.actions) {
    if (action.includes('*')) throw new ConfigError(`${where}: wildcard action ${action} is not allowed`);
    if (!/^[a-z0-9-]+:[A-Za-z0-9]+$/.test(action))
      throw new ConfigError(`${where}: malformed action ${action}`);
  }
  if (decl.resources.includes('*')) {
    const mutating = decl.actions.filter((a) => !isReadOnlyAction(a));
    if (mutating.length > 0 && !decl.conditions) {
      throw new ConfigError(
        `${where}: ${mutating.join(', ')} on resource "*" needs a condition or a scoped resource`,
      );
    }
  }
}

function fillDeep(
  conditions: NonNullable<PermissionDeclaration['conditions']>,
  values: Partial<PlaceholderValues>,
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [operator, block] of Object.entries(conditions)) {
    const filled: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(block)) {
      const k = fillPlaceholders(key, values);
      filled[k] =
        typeof value === 'string'
          ? fillPlaceholders(value, values)
          : Array.isArray(value)
            ? value.map((v) => fillPlaceholders(v, values))
            : value;
    }
    out[operator] = filled;
  }
  return out;
}

const INSTANCE_RESOURCE = /:ec2:[^:]*:[^:]*:instance\//;

/**
 * Builds the statements for a set of declarations.
 * - ecs:UpdateContainerAgent is dropped unless restart.agentUpdate is on.
 * - ssm:SendCommand on instances is split from the document grant; with restart.instanceTag and no condition
 *   of the declaration's own, it is allowed only on instances carrying that tag (aws:ResourceTag/<key>).
 * Duplicate sids (the same declaration reached through two modules) are granted once.
 */
export function buildStatements(
  declarations: readonly PermissionDeclaration[],
  config: Config,
  values: Partial<PlaceholderValues>,
): PolicyStatement[] {
  const seen = new Map<string, PermissionDeclaration>();
  const granted: PolicyStatement[] = [];
  for (const decl of declarations) {
    validateDeclaration(decl);
    const previous = seen.get(decl.sid);
    if (previous) {
      if (JSON.stringify(previous) !== JSON.stringify(decl)) {
        throw new ConfigError(`two different permission declarations share the sid ${decl.sid}`);
      }
      continue;
    }
    seen.set(decl.sid, decl);

    const actions = decl.actions.filter((a) => a !== AGENT_UPDATE_ACTION || config.restart.agentUpdate);
    if (actions.length === 0) continue;
    const resources = decl.resources.map((r) => fillPlaceholders(r, values));
    const conditions = decl.conditions ? fillDeep(decl.conditions, values) : undefined;

    const instanceTag = config.restart.instanceTag;
    const splitSendCommand =
      actions.includes(SEND_COMMAND_ACTION) && resources.some((r) => INSTANCE_RESOURCE.test(r));
    if (!splitSendCommand) {
      granted.push(statement(decl.sid, actions, resources, conditions));
      continue;
    }
    const instanceResources = resources.filter((r) => INSTANCE_RESOURCE.test(r));
    const otherResources = resources.filter((r) => !INSTANCE_RESOURCE.test(r));
    const otherActions = actions.filter((a) => a !== SEND_COMMAND_ACTION);
    if (otherResources.length > 0) {
      granted.push(statement(decl.sid, actions, otherResources, conditions));
    }
    // A declaration that already scopes its instances keeps its own condition; otherwise the configured tag
    // becomes the condition.
    const instanceConditions =
      conditions ??
      (instanceTag
        ? { StringEquals: { [`aws:ResourceTag/${instanceTag.key}`]: instanceTag.value } }
        : undefined);
    granted.push(
      statement(
        otherResources.length > 0 ? `${decl.sid}Instances` : decl.sid,
        otherResources.length > 0 ? [SEND_COMMAND_ACTION] : [SEND_COMMAND_ACTION, ...otherActions],
        instanceResources,
        instanceConditions,
      ),
    );
  }
  return granted;
}

function statement(
  sid: string,
  actions: string[],
  resources: string[],
  conditions: Record<string, Record<string, unknown>> | undefined,
): PolicyStatement {
  return new PolicyStatement({
    sid,
    effect: Effect.ALLOW,
    actions,
    resources,
    ...(conditions ? { conditions } : {}),
  });
}
