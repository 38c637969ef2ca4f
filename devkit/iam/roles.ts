// The IAM policies of the deployed stack's function roles, read from the template the CDK app synthesizes
// (infra/stack.ts, inline code stand-ins: the roles and policies are the same as with real bundles). The
// simulated account evaluates every call against these, so a test fails when a role lacks what its code calls.
//
// Synthesis costs seconds, so the unresolved policies are cached on disk, keyed by the config and the content
// of every source file that can shape a policy (infra/ and shared/); a change to either makes a new entry.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Config, parseConfig } from '../../shared/config';

export interface PolicyDocument {
  Version?: string;
  Statement: Array<Record<string, unknown>>;
}

/** One function's role as the stack deploys it, with placeholders for the stack's own resources. */
interface UnresolvedRole {
  functionId: string;
  roleLogicalId: string;
  policies: unknown[];
}

interface UnresolvedRoles {
  roles: UnresolvedRole[];
  /** Logical ids of the resources whose physical names the policies refer to. */
  refs: { document: string; windowsDocument: string; table: string; stateMachine: string };
}

/** Physical names of the stack's resources in the account the policies are evaluated in. */
export interface PhysicalResources {
  partition: string;
  region: string;
  account: string;
  documentName: string;
  windowsDocumentName: string;
  tableName: string;
  stateMachineName: string;
}

export interface DeployedRole {
  /** Construct id of the function: TriggerVpc, TriggerEcs, Sweep, Workflow<Step>. */
  functionId: string;
  roleName: string;
  roleArn: string;
  policies: PolicyDocument[];
}

const REPO_ROOT = resolve(__dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/**
 * The settings the stack's functions and their policies depend on, on top of the defaults. Two configs with the
 * same policy config deploy the same roles (test/unit/iam/roles.test.ts checks that the other settings change
 * no policy), so property tests that vary services or subnets share one synthesis.
 */
export function policyConfig(config: Config): Config {
  return parseConfig({
    managedTagKey: config.managedTagKey,
    restart: {
      agentUpdate: config.restart.agentUpdate,
      fallback: config.restart.fallback,
      ...(config.restart.instanceTag ? { instanceTag: config.restart.instanceTag } : {}),
    },
    sweep: { enabled: config.sweep.enabled, schedule: config.sweep.schedule },
    clusterTagOptIn: config.clusterTagOptIn,
    teardownOnOptOut: config.teardownOnOptOut,
    // An organization member's triggers may also publish their decisions (shared/events/permissions.ts).
    ...(config.organization ? { organization: config.organization } : {}),
  });
}

function cacheKey(config: Config): string {
  const hash = createHash('sha256').update(JSON.stringify(config));
  for (const dir of ['infra', 'shared']) {
    for (const file of sourceFiles(join(REPO_ROOT, dir))) hash.update(file).update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 24);
}

function synthesizeRoles(config: Config): UnresolvedRoles {
  // Loaded here, not at the top: aws-cdk-lib is heavy and the cache usually answers.
  const { App } = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
  const { PrivateLinkEcsStack } = require('../../infra/stack') as typeof import('../../infra/stack');
  const app = new App({ analyticsReporting: false });
  const stack = new PrivateLinkEcsStack(app, 'PrivateLinkEcs', { config, codeMode: 'inline' });
  const template = app.synth().getStackByName(stack.stackName).template as {
    Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  };
  const only = (type: string): string => {
    const ids = Object.entries(template.Resources)
      .filter(([, r]) => r.Type === type)
      .map(([id]) => id);
    if (ids.length !== 1)
      throw new Error(`expected one ${type} in the synthesized stack, found ${ids.length}`);
    return ids[0]!;
  };
  /** The one resource of `type` whose logical id is `prefix` plus CDK's hash (or exactly `prefix`). */
  const byPrefix = (type: string, prefix: string): string => {
    const ids = Object.entries(template.Resources)
      .filter(([id, r]) => r.Type === type && new RegExp(`^${prefix}([0-9A-F]{8})?$`).test(id))
      .map(([id]) => id);
    if (ids.length !== 1)
      throw new Error(`expected one ${type} ${prefix} in the synthesized stack, found ${ids.length}`);
    return ids[0]!;
  };
  const roles: UnresolvedRole[] = [];
  for (const [functionId, fn] of stack.resources.functions) {
    const roleLogicalId = stack.getLogicalId(fn.role.node.defaultChild as import('aws-cdk-lib').CfnElement);
    const policies = Object.values(template.Resources)
      .filter(
        (r) =>
          r.Type === 'AWS::IAM::Policy' &&
          ((r.Properties?.Roles as Array<{ Ref?: string }>) ?? []).some((ref) => ref.Ref === roleLogicalId),
      )
      .map((r) => r.Properties?.PolicyDocument);
    const inline = (template.Resources[roleLogicalId]?.Properties?.Policies ?? []) as Array<{
      PolicyDocument: unknown;
    }>;
    roles.push({
      functionId,
      roleLogicalId,
      policies: [...policies, ...inline.map((p) => p.PolicyDocument)],
    });
  }
  return {
    roles,
    refs: {
      document: byPrefix('AWS::SSM::Document', 'RestartAgentDocument'),
      windowsDocument: byPrefix('AWS::SSM::Document', 'RestartAgentWindowsDocument'),
      table: only('AWS::DynamoDB::Table'),
      stateMachine: only('AWS::StepFunctions::StateMachine'),
    },
  };
}

function loadRoles(config: Config): UnresolvedRoles {
  const dir = join(tmpdir(), 'privatelink-ecs-roles');
  const file = join(dir, `${cacheKey(config)}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as UnresolvedRoles;
  const roles = synthesizeRoles(config);
  mkdirSync(dir, { recursive: true });
  // Write then rename, so a parallel jest worker never reads half a file.
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, JSON.stringify(roles));
  renameSync(partial, file);
  return roles;
}

/** Resolves the CloudFormation intrinsics the stack's policies use, against the account's physical names. */
function resolveIntrinsics(value: unknown, refs: UnresolvedRoles['refs'], p: PhysicalResources): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, refs, p));
  if (!value || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1 && (keys[0]!.startsWith('Fn::') || keys[0] === 'Ref')) {
    const key = keys[0]!;
    const arg = obj[key];
    const stateMachineArn = `arn:${p.partition}:states:${p.region}:${p.account}:stateMachine:${p.stateMachineName}`;
    switch (key) {
      case 'Ref': {
        const pseudo: Record<string, string> = {
          'AWS::Partition': p.partition,
          'AWS::Region': p.region,
          'AWS::AccountId': p.account,
          'AWS::URLSuffix': 'amazonaws.com',
          [refs.document]: p.documentName,
          [refs.windowsDocument]: p.windowsDocumentName,
          [refs.table]: p.tableName,
          [refs.stateMachine]: stateMachineArn,
        };
        // Other resources (log groups, queues) are never touched by an SDK call of the product: a name that
        // matches nothing real keeps their statements from granting anything here.
        return pseudo[arg as string] ?? `unresolved-${String(arg)}`;
      }
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = arg as [string, string];
        if (logicalId === refs.table && attribute === 'Arn')
          return `arn:${p.partition}:dynamodb:${p.region}:${p.account}:table/${p.tableName}`;
        if (logicalId === refs.stateMachine && attribute === 'Name') return p.stateMachineName;
        return `arn:${p.partition}:unresolved:${p.region}:${p.account}:${logicalId}/${attribute}`;
      }
      case 'Fn::Join': {
        const [separator, parts] = arg as [string, unknown[]];
        return parts.map((part) => String(resolveIntrinsics(part, refs, p))).join(separator);
      }
      case 'Fn::Select': {
        const [index, items] = arg as [number | string, unknown];
        const resolved = resolveIntrinsics(items, refs, p) as unknown[];
        return resolved[Number(index)];
      }
      case 'Fn::Split': {
        const [separator, source] = arg as [string, unknown];
        return String(resolveIntrinsics(source, refs, p)).split(separator);
      }
      default:
        throw new Error(`cannot resolve ${key} in a role policy`);
    }
  }
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, resolveIntrinsics(v, refs, p)]));
}

/** Role name the simulated account gives a function's role. */
export function simulatedRoleName(functionId: string): string {
  return `PrivateLinkEcs-${functionId}`;
}

/** Every function role of the stack for this config, with its policies resolved for the account. */
export function deployedRoles(config: Config, physical: PhysicalResources): Map<string, DeployedRole> {
  const unresolved = loadRoles(policyConfig(config));
  const roles = new Map<string, DeployedRole>();
  for (const role of unresolved.roles) {
    const roleName = simulatedRoleName(role.functionId);
    roles.set(role.functionId, {
      functionId: role.functionId,
      roleName,
      roleArn: `arn:${physical.partition}:iam::${physical.account}:role/${roleName}`,
      policies: role.policies.map(
        (doc) => resolveIntrinsics(doc, unresolved.refs, physical) as PolicyDocument,
      ),
    });
  }
  return roles;
}
