// A simulated AWS Organization: a hub (management) account and member accounts, each in several regions, an
// organization id and OUs. Every account-region is a SimulatedAccount on one shared clock. Clients attached to
// the organization are routed by their credentials and region, as AWS routes a signed request:
// - the operator's keys of an account act as that account's administrator;
// - sts:AssumeRole hands out session keys for a role of another account when the role's trust policy and the
//   caller's own policies allow it (the same IAM evaluator as every role-bound call), and every request made
//   with those keys is authorized against the role's policies;
// - Organizations answers the management account only.
// Each member's "PrivateLink ECS Remediation Completed" events are forwarded to the hub's bus, as the member
// stack's rule does, and wait there until `deliverHubEvents` hands them to the hub's consumer (the roll-up), in
// the order (and with the duplicates) a test asks for: EventBridge delivers at least once, in no set order.
import { randomUUID } from 'node:crypto';
import * as orgsdk from '@aws-sdk/client-organizations';
import * as stssdk from '@aws-sdk/client-sts';
import { DECISION_DETAIL_TYPE } from '../../shared/org/events';
import { createRollupHandler } from '../../shared/org/lambda';
import { HUB_BUS_NAME, plannerRoleName } from '../../shared/org/names';
import { PLANNER_PERMISSIONS, ROLLUP_PERMISSIONS } from '../../shared/org/permissions';
import { type ApplyOutcome, DEFAULT_STALE_AFTER_SECONDS } from '../../shared/org/rollup';
import {
  fillPlaceholders,
  type PermissionDeclaration,
  type PlaceholderValues,
} from '../../shared/permissions';
import { COMPLETED_DETAIL_TYPE, EVENT_SOURCE } from '../../shared/workflow/summary';
import { IamAuthorizer } from '../iam/authorizer';
import { bindRole, enforceRequest, type IamCounters } from '../iam/enforce';
import type { DeployedRole, PolicyDocument } from '../iam/roles';
import { type CallerPrincipal, evaluateWithResourcePolicy } from '../iam/trust';
import { CLIENT_SERVICE, ManualClock, paginate, serviceErrors } from './core';
import { SimulatedAccount, simulatedResponse } from './index';
import type { RecordedEvent } from './state';

const { error: orgError, throttle: orgThrottle } = serviceErrors(
  orgsdk,
  orgsdk.OrganizationsServiceException,
  {
    throttle: {
      name: 'TooManyRequestsException',
      message:
        'AWS Organizations can’t complete your request because another request is already in progress. Try again later.',
      status: 400,
    },
  },
);
const { error: stsError } = serviceErrors(stssdk, stssdk.STSServiceException);

export interface SimulatedOrganizationOptions {
  /** Member accounts (default 3). */
  members?: number;
  /** Regions every account covers (default us-east-1 and eu-west-1); the first is the hub's region. */
  regions?: string[];
  /** Availability Zones per region (default 2: small and quick). */
  azs?: number;
  /** Start of the shared clock (default 2025-01-15T09:00:00Z). */
  now?: Date;
}

export interface OrgAccount {
  id: string;
  name: string;
  email: string;
  /** The root or OU the account sits in. */
  parentId: string;
  joined: Date;
}

export interface OrgUnit {
  id: string;
  name: string;
  parentId: string;
}

/** An IAM role of one account: who may assume it (trust policy) and what it may do. */
export interface SimRole {
  roleName: string;
  trustPolicy: PolicyDocument;
  policies: PolicyDocument[];
}

/** An event as EventBridge delivers it to a target on the hub's bus: the member's account and region kept. */
export interface HubEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

interface Session {
  accountId: string;
  roleName: string;
  sessionName: string;
  expires: Date;
}

/** A request's caller: an account's operator (administrator) or a role session. */
interface Caller {
  accountId: string;
  session?: Session;
}

/** A policy document of permission declarations (shared/permissions.ts), placeholders filled as a stack would. */
export function policyOf(
  declarations: readonly PermissionDeclaration[],
  values: Partial<PlaceholderValues> = {},
): PolicyDocument {
  const fill = (v: string) => fillPlaceholders(v, values);
  return {
    Version: '2012-10-17',
    Statement: declarations.map((d) => ({
      Sid: d.sid,
      Effect: 'Allow',
      Action: d.actions,
      Resource: d.resources.map(fill),
      ...(d.conditions ? { Condition: d.conditions } : {}),
    })),
  };
}

/** Models AdministratorAccess, the operator's policy in every account (never a policy of the product). */
const ADMINISTRATOR: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};
/** The hub stack's roll-up function (infra/hub-stack.ts OrgRollup). */
const ROLLUP_FUNCTION = 'OrgRollup';
const FORWARDED = new Set([COMPLETED_DETAIL_TYPE, DECISION_DETAIL_TYPE]);
const OPERATOR_SECRET = 'simulated-operator-secret';
const PAGE = { min: 1, max: 20, defaultSize: 20 };
const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/** Any SDK v3 client: its region provider and its middleware stack. */
type AnyClient = { config: { region: unknown }; middlewareStack: unknown };
type Stack = { addRelativeTo: (mw: unknown, opts: unknown) => void };

/** The service of an SDK client the organization serves: the account services, plus STS and Organizations. */
function serviceOf(clientName: string): string | undefined {
  if (clientName === 'STSClient') return 'sts';
  if (clientName === 'OrganizationsClient') return 'organizations';
  return CLIENT_SERVICE[clientName];
}

export class SimulatedOrganization {
  public readonly orgId = 'o-pl1nkecs01';
  public readonly rootId = 'r-pl1n';
  public readonly clock: ManualClock;
  public readonly regions: readonly string[];
  public readonly hubRegion: string;
  public readonly hubAccountId = '111111111111';
  public readonly memberAccountIds: readonly string[];
  public readonly accounts = new Map<string, OrgAccount>();
  public readonly ous = new Map<string, OrgUnit>();
  /** Calls through organization-attached clients authorized against an assumed role, and those denied. */
  public readonly iam: IamCounters = { authorized: 0, denied: 0 };
  /** Every STS and Organizations request, including retried attempts, in order (the accounts record theirs). */
  public readonly calls: Array<{ service: 'sts' | 'organizations'; operation: string; accountId: string }> =
    [];
  /** Every event the hub's bus received, in arrival order. */
  public readonly hubBus: HubEvent[] = [];

  private readonly azs: number;
  private readonly regional = new Map<string, SimulatedAccount>();
  private readonly roles = new Map<string, Map<string, SimRole>>();
  private readonly authorizers = new Map<string, IamAuthorizer>();
  private readonly sessions = new Map<string, Session>();
  private readonly throttles = new Map<string, number>();
  private pending: HubEvent[] = [];

  public constructor(options: SimulatedOrganizationOptions = {}) {
    const members = options.members ?? 3;
    if (!Number.isInteger(members) || members < 1) throw new RangeError('members must be a positive integer');
    this.regions = [...(options.regions ?? ['us-east-1', 'eu-west-1'])];
    if (this.regions.length === 0) throw new RangeError('regions must name at least one region');
    this.hubRegion = this.regions[0]!;
    this.azs = options.azs ?? 2;
    this.clock = new ManualClock(options.now);
    // Root: the hub (management account). OU Workloads holds the members but the last, which sits in the
    // nested OU Workloads/Prod (planning a target OU covers its child OUs, as StackSets deploys to them).
    const workloads = { id: 'ou-pl1n-workload', name: 'Workloads', parentId: this.rootId };
    const prod = { id: 'ou-pl1n-prodwork', name: 'Prod', parentId: workloads.id };
    const sandbox = { id: 'ou-pl1n-sandboxs', name: 'Sandbox', parentId: this.rootId };
    for (const ou of [workloads, prod, sandbox]) this.ous.set(ou.id, ou);
    this.addAccount(this.hubAccountId, 'hub', this.rootId);
    this.memberAccountIds = Array.from({ length: members }, (_, i) => String(222_222_222_222 + i * 111));
    this.memberAccountIds.forEach((id, i) => {
      this.addAccount(id, `member-${i + 1}`, i === members - 1 && members > 1 ? prod.id : workloads.id);
    });
  }

  /** The OU that holds the member accounts (with a nested OU): what `organization.targets` names. */
  public get workloadsOuId(): string {
    return 'ou-pl1n-workload';
  }

  /** An account outside the target OUs (in Sandbox), e.g. to show it is never planned. */
  public addAccount(id: string, name: string, parentId: string): OrgAccount {
    if (!/^\d{12}$/.test(id)) throw new RangeError(`account id must be 12 digits, got ${id}`);
    if (parentId !== this.rootId && !this.ous.has(parentId)) throw new RangeError(`no OU ${parentId}`);
    const account = { id, name, email: `${name}@example.com`, parentId, joined: this.clock.now() };
    this.accounts.set(id, account);
    return account;
  }

  /** The simulated account-region (made on first use, on the organization's clock). */
  public account(accountId: string, region: string): SimulatedAccount {
    if (!this.accounts.has(accountId)) throw new RangeError(`no account ${accountId} in the organization`);
    if (!this.regions.includes(region)) throw new RangeError(`region ${region} is not covered`);
    const key = `${accountId}/${region}`;
    let account = this.regional.get(key);
    if (!account) {
      account = new SimulatedAccount({ accountId, region, azs: this.azs, clock: this.clock });
      if (accountId !== this.hubAccountId) account.onEvent((e) => this.forward(accountId, region, e));
      this.regional.set(key, account);
    }
    return account;
  }

  /** Every member account-region, in account then region order. */
  public memberRegions(): Array<{ accountId: string; region: string }> {
    return this.memberAccountIds.flatMap((accountId) =>
      this.regions.map((region) => ({ accountId, region })),
    );
  }

  // ------------------------------------------------------------------------------------------- IAM and STS

  /** The operator's access keys of an account: requests signed with them act as its administrator. */
  public operatorCredentials(accountId: string = this.hubAccountId): {
    accessKeyId: string;
    secretAccessKey: string;
  } {
    if (!this.accounts.has(accountId)) throw new RangeError(`no account ${accountId} in the organization`);
    return { accessKeyId: `AKIASIM${accountId}`, secretAccessKey: OPERATOR_SECRET };
  }

  /** Creates or replaces an IAM role in an account. */
  public putRole(accountId: string, role: SimRole): string {
    if (!this.accounts.has(accountId)) throw new RangeError(`no account ${accountId} in the organization`);
    let roles = this.roles.get(accountId);
    if (!roles) {
      roles = new Map();
      this.roles.set(accountId, roles);
    }
    roles.set(role.roleName, role);
    this.authorizers.delete(accountId);
    return this.roleArn(accountId, role.roleName);
  }

  /**
   * The member stack's planner role (shared/org/names.ts plannerRoleName) in one account for one region: it
   * trusts the hub account only and holds `policies` (default: the member stack's PLANNER_PERMISSIONS).
   */
  public putPlannerRole(
    accountId: string,
    region: string,
    policies: PolicyDocument[] = [policyOf(PLANNER_PERMISSIONS)],
  ): string {
    return this.putRole(accountId, {
      roleName: plannerRoleName(region),
      trustPolicy: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${this.hubAccountId}:root` },
            Action: 'sts:AssumeRole',
          },
        ],
      },
      policies,
    });
  }

  public deleteRole(accountId: string, roleName: string): void {
    if (!this.roles.get(accountId)?.delete(roleName)) {
      throw new RangeError(`no role ${roleName} in account ${accountId}`);
    }
    this.authorizers.delete(accountId);
  }

  public role(accountId: string, roleName: string): SimRole | undefined {
    return this.roles.get(accountId)?.get(roleName);
  }

  public roleArn(accountId: string, roleName: string): string {
    return `arn:aws:iam::${accountId}:role/${roleName}`;
  }

  /**
   * The next `times` calls of `operation` ("organizations:ListAccountsForParent" or "sts:AssumeRole") fail with
   * the service's throttling error. Account services throttle through each SimulatedAccount's `throttle`.
   */
  public throttle(operation: 'organizations:ListAccountsForParent' | 'sts:AssumeRole', times: number): void {
    this.throttles.set(operation, times);
  }

  /** Serves one SDK client from the organization: routed by its credentials and its region. */
  public attach(client: AnyClient): void {
    (client.middlewareStack as Stack).addRelativeTo(
      (
        _next: unknown,
        context: {
          clientName?: string;
          commandName?: string;
          __smithy_context?: { selectedHttpAuthScheme?: { identity?: { accessKeyId?: string } } };
        },
      ) =>
        async (args: { input: unknown }) => {
          const service = serviceOf(context.clientName ?? '');
          const operation = (context.commandName ?? '').replace(/Command$/, '');
          if (!service) throw new Error(`the simulated organization does not serve ${context.clientName}`);
          const keyId = context.__smithy_context?.selectedHttpAuthScheme?.identity?.accessKeyId ?? '';
          const caller = this.callerOf(keyId);
          const region = await (client.config.region as () => Promise<string>)();
          if (service === 'sts' || service === 'organizations') {
            this.calls.push({ service, operation, accountId: caller.accountId });
          }
          const throttled = this.throttles.get(`${service}:${operation}`) ?? 0;
          if (throttled > 0) {
            this.throttles.set(`${service}:${operation}`, throttled - 1);
            throw service === 'sts'
              ? Object.assign(stsError('Throttling', 'Rate exceeded'), { $retryable: { throttling: true } })
              : orgThrottle();
          }
          if (service === 'sts') return simulatedResponse(await this.sts(operation, args.input, caller));
          if (service === 'organizations')
            return simulatedResponse(this.organizations(operation, args.input, caller));
          const account = this.account(caller.accountId, region);
          if (caller.session) {
            await enforceRequest(
              caller.session.roleName,
              service as Parameters<typeof enforceRequest>[1],
              operation,
              args.input,
              {
                authorizer: () => this.authorizerOf(caller.accountId),
                facts: account.resourceFacts(),
                counters: this.iam,
              },
            );
          }
          return simulatedResponse(await account.handle(service as never, operation, args.input));
        },
      {
        relation: 'after',
        toMiddleware: 'retryMiddleware',
        name: 'simulatedOrganizationMiddleware',
        override: true,
      },
    );
  }

  private callerOf(accessKeyId: string): Caller {
    const session = this.sessions.get(accessKeyId);
    if (session) {
      if (session.expires <= this.clock.now()) {
        throw stsError('ExpiredTokenException', 'The security token included in the request is expired');
      }
      return { accountId: session.accountId, session };
    }
    const operator = /^AKIASIM(\d{12})$/.exec(accessKeyId)?.[1];
    if (operator && this.accounts.has(operator)) return { accountId: operator };
    throw stsError('InvalidClientTokenId', 'The security token included in the request is invalid.');
  }

  private principalOf(caller: Caller): CallerPrincipal {
    const { accountId, session } = caller;
    if (!session) {
      const arn = `arn:aws:iam::${accountId}:user/operator`;
      return { arn, accountId, principalArn: arn, orgId: this.orgId, identityPolicies: [ADMINISTRATOR] };
    }
    return {
      arn: `arn:aws:sts::${accountId}:assumed-role/${session.roleName}/${session.sessionName}`,
      accountId,
      principalArn: this.roleArn(accountId, session.roleName),
      orgId: this.orgId,
      identityPolicies: this.role(accountId, session.roleName)?.policies ?? [],
    };
  }

  private authorizerOf(accountId: string): IamAuthorizer {
    let authorizer = this.authorizers.get(accountId);
    if (!authorizer) {
      const roles = new Map<string, DeployedRole>();
      for (const role of this.roles.get(accountId)?.values() ?? []) {
        roles.set(role.roleName, {
          functionId: role.roleName,
          roleName: role.roleName,
          roleArn: this.roleArn(accountId, role.roleName),
          policies: role.policies,
        });
      }
      authorizer = new IamAuthorizer(roles);
      this.authorizers.set(accountId, authorizer);
    }
    return authorizer;
  }

  private async sts(operation: string, raw: unknown, caller: Caller): Promise<unknown> {
    const principal = this.principalOf(caller);
    if (operation === 'GetCallerIdentity') {
      return { Account: caller.accountId, Arn: principal.arn, UserId: `AIDASIM${caller.accountId}` };
    }
    if (operation !== 'AssumeRole')
      throw new Error(`the simulated organization does not implement sts:${operation}`);
    const input = (raw ?? {}) as stssdk.AssumeRoleRequest;
    const match = ROLE_ARN.exec(input.RoleArn ?? '');
    if (!match) throw stsError('ValidationError', `${input.RoleArn} is not a valid role ARN`);
    if (!SESSION_NAME.test(input.RoleSessionName ?? '')) {
      throw stsError('ValidationError', "Value at 'roleSessionName' failed to satisfy constraint");
    }
    const [, accountId, roleName] = match as unknown as [string, string, string];
    const role = this.accounts.has(accountId) ? this.role(accountId, roleName) : undefined;
    // A role that does not exist is refused like one whose trust policy does not admit the caller: STS does
    // not tell the two apart.
    const verdict = role
      ? await evaluateWithResourcePolicy(
          principal,
          'sts:AssumeRole',
          input.RoleArn!,
          accountId,
          role.trustPolicy,
        )
      : 'ImplicitlyDenied';
    if (verdict !== 'Allowed') {
      throw stsError(
        'AccessDenied',
        `User: ${principal.arn} is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`,
      );
    }
    const seconds = input.DurationSeconds ?? 3600;
    const expires = new Date(this.clock.now().getTime() + seconds * 1000);
    const accessKeyId = `ASIASIM${randomUUID().replace(/-/g, '').slice(0, 13).toUpperCase()}`;
    this.sessions.set(accessKeyId, { accountId, roleName, sessionName: input.RoleSessionName!, expires });
    return {
      Credentials: {
        AccessKeyId: accessKeyId,
        SecretAccessKey: `simulated-session-secret-${accessKeyId}`,
        SessionToken: `simulated-session-token-${accessKeyId}`,
        Expiration: expires,
      },
      AssumedRoleUser: {
        AssumedRoleId: `AROASIM${accountId}:${input.RoleSessionName}`,
        Arn: `arn:aws:sts::${accountId}:assumed-role/${roleName}/${input.RoleSessionName}`,
      },
    } satisfies stssdk.AssumeRoleResponse;
  }

  // ------------------------------------------------------------------------------------------- Organizations

  private accountJson(a: OrgAccount): orgsdk.Account {
    return {
      Id: a.id,
      Arn: `arn:aws:organizations::${this.hubAccountId}:account/${this.orgId}/${a.id}`,
      Email: a.email,
      Name: a.name,
      Status: 'ACTIVE',
      State: 'ACTIVE',
      JoinedMethod: a.id === this.hubAccountId ? 'CREATED' : 'INVITED',
      JoinedTimestamp: a.joined,
    };
  }

  private organizations(operation: string, raw: unknown, caller: Caller): unknown {
    if (caller.accountId !== this.hubAccountId || caller.session) {
      throw orgError(
        'AccessDeniedException',
        "You don't have permissions to access this resource. Only the management account can list the organization.",
      );
    }
    const input = (raw ?? {}) as { ParentId?: string; MaxResults?: number; NextToken?: string };
    const invalid = (message: string) => orgError('InvalidInputException', message);
    const parent = () => {
      const id = input.ParentId ?? '';
      if (id !== this.rootId && !this.ous.has(id)) {
        throw orgError(
          'ParentNotFoundException',
          `We can't find a root or OU with the ParentId that you specified: ${id}`,
        );
      }
      return id;
    };
    const page = <T>(items: T[], key: string) => {
      const p = paginate(
        items,
        input.MaxResults,
        input.NextToken,
        PAGE,
        [operation, input.ParentId],
        invalid,
      );
      return { [key]: p.items, ...(p.nextToken ? { NextToken: p.nextToken } : {}) };
    };
    const accounts = [...this.accounts.values()];
    switch (operation) {
      case 'DescribeOrganization':
        return {
          Organization: {
            Id: this.orgId,
            MasterAccountId: this.hubAccountId,
            Arn: `arn:aws:organizations::${this.hubAccountId}:organization/${this.orgId}`,
            FeatureSet: 'ALL',
          },
        };
      case 'ListAccounts':
        return page(
          accounts.map((a) => this.accountJson(a)),
          'Accounts',
        );
      case 'ListAccountsForParent': {
        const id = parent();
        return page(
          accounts.filter((a) => a.parentId === id).map((a) => this.accountJson(a)),
          'Accounts',
        );
      }
      case 'ListOrganizationalUnitsForParent': {
        const id = parent();
        const ous = [...this.ous.values()].filter((ou) => ou.parentId === id);
        return page(
          ous.map((ou) => ({
            Id: ou.id,
            Name: ou.name,
            Arn: `arn:aws:organizations::${this.hubAccountId}:ou/${this.orgId}/${ou.id}`,
          })),
          'OrganizationalUnits',
        );
      }
      default:
        throw new Error(`the simulated organization does not implement organizations:${operation}`);
    }
  }

  // ------------------------------------------------------------------------------------------- the hub's bus

  /** The hub's account in its region: its bus, its roll-up table, its roll-up function's role. */
  public hub(): SimulatedAccount {
    return this.account(this.hubAccountId, this.hubRegion);
  }

  /** What the member stack's rule forwards: the workflow's completion events and the triggers' decisions. */
  private forward(accountId: string, region: string, e: RecordedEvent): void {
    if (e.Source !== EVENT_SOURCE || !FORWARDED.has(e.DetailType) || e.EventBusName !== 'default') return;
    const event: HubEvent = {
      version: '0',
      id: this.hub().state.ids.uuid(),
      'detail-type': e.DetailType,
      source: e.Source,
      account: accountId,
      time: e.Time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region,
      resources: [...e.Resources],
      detail: e.Detail,
    };
    // The hub account records it on its bus, as PutEvents on the hub bus would.
    this.hub().state.events.push({ ...e, EventId: event.id, EventBusName: HUB_BUS_NAME });
    this.hubBus.push(event);
    this.pending.push(event);
  }

  /** Creates the hub's roll-up table (one string key `id`, as the hub stack's) and returns its name. */
  public addRollupTable(tableName = 'PrivateLinkEcsHub-Rollup'): string {
    this.hub().addTable(tableName, { partitionKey: 'id' });
    return tableName;
  }

  /**
   * The hub's roll-up as a consumer for deliverHubEvents: each event goes through the roll-up Lambda's handler
   * code (shared/org/lambda.ts), as its role, through the hub account's DynamoDB, at the organization's time.
   */
  public rollupConsumer(tableName: string): (event: HubEvent) => Promise<ApplyOutcome> {
    const hub = this.hub();
    const { dynamodb } = hub.clients();
    // As the hub stack's roll-up function role: its ROLLUP_PERMISSIONS on this table, evaluated on every call.
    const tableArn = `arn:aws:dynamodb:${hub.region}:${hub.accountId}:table/${tableName}`;
    const role: DeployedRole = {
      functionId: ROLLUP_FUNCTION,
      roleName: `PrivateLinkEcsHub-${ROLLUP_FUNCTION}`,
      roleArn: this.roleArn(hub.accountId, `PrivateLinkEcsHub-${ROLLUP_FUNCTION}`),
      policies: [policyOf(ROLLUP_PERMISSIONS, { tableArn })],
    };
    const authorizer = new IamAuthorizer(new Map([[ROLLUP_FUNCTION, role]]));
    bindRole(dynamodb as unknown as Parameters<typeof bindRole>[0], {
      functionId: ROLLUP_FUNCTION,
      authorizer: () => authorizer,
      facts: hub.resourceFacts(),
      counters: this.iam,
    });
    const handler = createRollupHandler({
      dynamodb,
      tableName,
      staleAfterSeconds: DEFAULT_STALE_AFTER_SECONDS,
      now: () => this.clock.now(),
    });
    return async (event) => {
      const result = await handler(event);
      if (result.status === 'dropped')
        throw new Error(`the roll-up dropped event ${event.id}: ${result.reason}`);
      return result.status;
    };
  }

  /** Forwarded events not yet handed to the hub's consumer. */
  public get pendingHubEvents(): readonly HubEvent[] {
    return this.pending;
  }

  /**
   * Hands the forwarded events to `consume` (the hub's roll-up), one at a time, and forgets them. `arrange`
   * decides the delivery: by default each once, in arrival order; a test passes duplicates and a shuffle.
   */
  public async deliverHubEvents<T>(
    consume: (event: HubEvent) => Promise<T>,
    arrange: (events: HubEvent[]) => HubEvent[] = (events) => events,
  ): Promise<T[]> {
    const batch = arrange(this.pending);
    this.pending = [];
    const out: T[] = [];
    for (const event of batch) out.push(await consume(event));
    return out;
  }
}
