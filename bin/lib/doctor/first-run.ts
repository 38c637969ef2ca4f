// The calls the endpoint reconciler would make for a VPC, with their real inputs, found by running the
// reconciler itself (reconcileVpc, as EnsureEndpoints and the triggers run it) against the account with every
// write held back: reads go to AWS, writes are recorded and answered with stand-ins (a new security group
// sg-planned, new endpoints vpce-planned<N>) so the run goes on as a first run would. Nothing is changed.
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { ClientService } from '../../../shared/authz/requests';
import type { Config } from '../../../shared/config';
import type { VpcId } from '../../../shared/ids';
import { type ReconcileResult, reconcileVpc } from '../../../shared/reconciler';

export interface RecordedCall {
  service: ClientService;
  operation: string;
  input: Record<string, unknown>;
}

export interface FirstRun {
  /** Every EC2 call the reconciler made or would have made, in order: reads sent, writes held back. */
  calls: RecordedCall[];
  result: ReconcileResult;
  /** Stand-in ids of the resources the writes would create, with the tags their create requests carry. */
  planned: Map<string, Record<string, string>>;
}

/** Operations that only read: they reach AWS. Anything else is held back. */
export const READ_ONLY = /^(Describe|List|Get|BatchGet|Query|Scan)/;

type Tags = Array<{ Key?: string; Value?: string }>;

function tagsOf(input: Record<string, unknown>, resourceType: string): Record<string, string> {
  const specs = (input.TagSpecifications ?? []) as Array<{ ResourceType?: string; Tags?: Tags }>;
  const tags = specs.filter((s) => s.ResourceType === resourceType).flatMap((s) => s.Tags ?? []);
  return Object.fromEntries(tags.map((t) => [t.Key ?? '', t.Value ?? '']));
}

type Middleware = (
  next: (args: unknown) => Promise<unknown>,
  context: { commandName?: string },
) => (args: { input: Record<string, unknown> }) => Promise<unknown>;

/**
 * Adds the hold-back middleware to `ec2`: from now on no write this client is asked for reaches AWS. Returns
 * the log of the calls seen until `stop()`.
 */
function holdBackWrites(ec2: EC2Client) {
  const calls: RecordedCall[] = [];
  const planned = new Map<string, Record<string, string>>();
  let endpoints = 0;
  let recording = true;
  const middleware: Middleware = (next, context) => async (args) => {
    const operation = (context.commandName ?? '').replace(/Command$/, '');
    const input = structuredClone(args.input ?? {});
    if (recording) calls.push({ service: 'ec2', operation, input });
    if (READ_ONLY.test(operation)) return next(args);
    let output: Record<string, unknown> = {};
    if (operation === 'CreateSecurityGroup') {
      planned.set('sg-planned', tagsOf(input, 'security-group'));
      output = { GroupId: 'sg-planned' };
    } else if (operation === 'CreateVpcEndpoint') {
      endpoints += 1;
      const id = `vpce-planned${endpoints}`;
      planned.set(id, tagsOf(input, 'vpc-endpoint'));
      output = { VpcEndpoint: { VpcEndpointId: id, State: 'pending' } };
    } else if (operation === 'AuthorizeSecurityGroupIngress') {
      output = { Return: true };
    }
    return {
      output: { ...output, $metadata: { httpStatusCode: 200 } },
      response: { statusCode: 200, headers: {} },
    };
  };
  (ec2.middlewareStack as { add: (mw: unknown, options: unknown) => void }).add(middleware, {
    step: 'initialize',
    priority: 'high',
    name: 'privatelinkEcsDoctorHoldBackWrites',
    override: true,
  });
  return {
    calls,
    planned,
    stop: () => {
      recording = false;
    },
  };
}

/**
 * What a run of the reconciler would do to `vpcId` now (forced, so a VPC without the opt-in tag is planned as
 * it would be once tagged), reading the VPC's private hosted zones as the deployed functions do. `ec2` keeps
 * holding back writes afterwards: the doctor never writes (the Route 53 client only reads).
 */
export async function firstRun(
  ec2: EC2Client,
  route53: Route53Client,
  config: Config,
  vpcId: VpcId,
): Promise<FirstRun> {
  const log = holdBackWrites(ec2);
  try {
    const result = await reconcileVpc(ec2, config, { vpcId, force: true }, { route53 });
    return { calls: log.calls, result, planned: log.planned };
  } finally {
    log.stop();
  }
}
