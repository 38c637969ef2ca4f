// Binds an SDK client to a deployed function role: every request it sends is first expanded into the IAM checks
// AWS makes (shared/authz/requests.ts) and evaluated against that role's policies (authorizer.ts). A denied
// call answers as AWS does: EC2 UnauthorizedOperation, the JSON services AccessDeniedException, HTTP 403, with
// the action and the resource in the message. Works on the simulated account and on moto alike: only the
// source of resource facts (tags) differs.
//
// Every denial is logged. Tests fail on a denial they did not expect (test/support/iam-denials.ts checks the
// log after each test); a test that provokes one on purpose wraps the code in `expectingDenials`.
import { AsyncLocalStorage } from 'node:async_hooks';
import * as dynamodb from '@aws-sdk/client-dynamodb';
import * as ec2 from '@aws-sdk/client-ec2';
import * as ecs from '@aws-sdk/client-ecs';
import * as events from '@aws-sdk/client-eventbridge';
import * as iam from '@aws-sdk/client-iam';
import * as route53 from '@aws-sdk/client-route-53';
import * as sfn from '@aws-sdk/client-sfn';
import * as ssm from '@aws-sdk/client-ssm';
import { authzChecks, type ClientService, type ResourceFacts } from '../../shared/authz/requests';
import { awsError, CLIENT_SERVICE, type ExceptionCtor, type ExceptionModule } from '../sim/core';
import type { Denial, IamAuthorizer } from './authorizer';

const EXCEPTIONS: Partial<Record<ClientService, { module: ExceptionModule; base: unknown }>> = {
  ec2: { module: ec2, base: ec2.EC2ServiceException },
  ecs: { module: ecs, base: ecs.ECSServiceException },
  ssm: { module: ssm, base: ssm.SSMServiceException },
  sfn: { module: sfn, base: sfn.SFNServiceException },
  events: { module: events, base: events.EventBridgeServiceException },
  dynamodb: { module: dynamodb, base: dynamodb.DynamoDBServiceException },
  iam: { module: iam, base: iam.IAMServiceException },
  route53: { module: route53, base: route53.Route53ServiceException },
};

export interface LoggedDenial extends Denial {
  operation: string;
  expected: boolean;
}

export interface IamCounters {
  authorized: number;
  denied: number;
}

const expectation = new AsyncLocalStorage<{ denials: LoggedDenial[] }>();
const unexpected: LoggedDenial[] = [];

/**
 * Runs `fn` with denials expected: they are returned instead of failing the test. Use it only where a test
 * proves a refusal, and assert on what it returns.
 */
export async function expectingDenials<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; denials: LoggedDenial[] }> {
  const scope = { denials: [] as LoggedDenial[] };
  const result = await expectation.run(scope, fn);
  return { result, denials: scope.denials };
}

/** Denials logged outside `expectingDenials` since the last call; the log is emptied. */
export function takeUnexpectedDenials(): LoggedDenial[] {
  return unexpected.splice(0, unexpected.length);
}

/** The message AWS gives, with the action and the resource. */
export function denialMessage(denial: Denial): string {
  const principal = denial.roleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/');
  const why =
    denial.verdict === 'ExplicitlyDenied'
      ? `with an explicit deny in an identity-based policy`
      : `because no identity-based policy allows the ${denial.action} action`;
  return `User: ${principal}/${denial.role} is not authorized to perform: ${denial.action} on resource: ${denial.resource} ${why}`;
}

function denialError(service: ClientService, denial: Denial): Error {
  const exceptions = EXCEPTIONS[service];
  if (!exceptions) return Object.assign(new Error(denialMessage(denial)), { name: 'AccessDeniedException' });
  if (service === 'ec2') {
    return awsError(
      exceptions.module,
      exceptions.base as ExceptionCtor,
      'UnauthorizedOperation',
      `You are not authorized to perform this operation. ${denialMessage(denial)}`,
      { status: 403 },
    );
  }
  return awsError(
    exceptions.module,
    exceptions.base as ExceptionCtor,
    'AccessDeniedException',
    denialMessage(denial),
    {
      status: 403,
    },
  );
}

export interface RoleBinding {
  /** The function whose role makes every call; for a scoped binding, the role comes from `asRole` instead. */
  functionId: string;
  /** The authorizer of the stack deployed at the time of each call (a redeploy applies to existing clients). */
  authorizer: () => IamAuthorizer;
  facts: ResourceFacts;
  counters?: IamCounters;
}

type AnyClient = { middlewareStack: { add: (mw: unknown, opts: unknown) => void } };

const activeRole = new AsyncLocalStorage<string>();

/**
 * Runs `fn` as the deployed function `functionId`: calls that clients bound with `bindScopedRole` make inside it
 * are authorized as that function's role; outside it they act as the account's administrator. Lets one set of
 * client objects serve a test's set-up and the Lambda code it runs.
 */
export function asRole<T>(functionId: string, fn: () => Promise<T>): Promise<T> {
  return activeRole.run(functionId, fn);
}

/** Runs `fn` outside any role (e.g. the administrator's reads of the tags IAM would see). */
export function asAdministrator<T>(fn: () => Promise<T>): Promise<T> {
  return activeRole.exit(fn);
}

/** Like `bindRole`, but the role is the one `asRole` set for the call; without one the call is not checked. */
export function bindScopedRole(client: AnyClient, binding: Omit<RoleBinding, 'functionId'>): void {
  addEnforcement(client, () => activeRole.getStore(), binding);
}

/** Every request of this client is authorized as `functionId`'s role before it is sent. */
export function bindRole(client: AnyClient, binding: RoleBinding): void {
  binding.authorizer().role(binding.functionId); // fail now, not at the first call, on an unknown function
  addEnforcement(client, () => binding.functionId, binding);
}

/**
 * Authorizes one request as the role of `functionId` (a key of the binding's authorizer): resolves when every
 * resource of every check is allowed, else logs the denial (see expectingDenials) and throws what AWS answers.
 */
export async function enforceRequest(
  functionId: string,
  service: ClientService,
  operation: string,
  input: unknown,
  binding: Omit<RoleBinding, 'functionId'>,
): Promise<void> {
  const checks = await asAdministrator(() => authzChecks(service, operation, input, binding.facts));
  const denial = await binding.authorizer().authorize(functionId, checks);
  if (denial) {
    if (binding.counters) binding.counters.denied += 1;
    const scope = expectation.getStore();
    const logged: LoggedDenial = { ...denial, operation: `${service}:${operation}`, expected: !!scope };
    if (scope) scope.denials.push(logged);
    else unexpected.push(logged);
    throw denialError(service, denial);
  }
  if (binding.counters) binding.counters.authorized += 1;
}

function addEnforcement(
  client: AnyClient,
  roleOf: () => string | undefined,
  binding: Omit<RoleBinding, 'functionId'>,
): void {
  client.middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>, context: { clientName?: string; commandName?: string }) =>
      async (args: { input: unknown }) => {
        const functionId = roleOf();
        if (functionId === undefined) return next(args);
        const service = CLIENT_SERVICE[context.clientName ?? ''] as ClientService | undefined;
        const operation = (context.commandName ?? '').replace(/Command$/, '');
        if (!service) throw new Error(`IAM enforcement does not know the client ${context.clientName}`);
        await enforceRequest(functionId, service, operation, args.input, binding);
        return next(args);
      },
    { step: 'initialize', name: 'iamEnforcementMiddleware', priority: 'high', override: true },
  );
}
