// `privatelink-ecs doctor` asks IAM about the calls it believes each function makes (bin/lib/doctor/calls.ts).
// These tests keep that belief honest: the functions run in the simulated account as their deployed roles, every
// operation each role sends is recorded, and each must be one doctor checks for that function, on the same VPC
// and fleet as doctor saw them before the run.
import { CreateTagsCommand, DeleteTagsCommand } from '@aws-sdk/client-ec2';
import { asLambda, lambdaContext, tagChangeEvent } from '../../bin/lib/demo';
import { callsOf } from '../../bin/lib/doctor/calls';
import { callWorld } from '../../bin/lib/doctor/diagnose';
import { SIM_STACK_DEFAULTS, type SimulatedAccount } from '../../devkit/sim';
import { runWorkflowLocally } from '../../devkit/workflow/local';
import type { AwsClients } from '../../shared/clients';
import type { Config } from '../../shared/config';
import { createTriggerHandler } from '../../shared/events/handler';
import type { VpcId } from '../../shared/ids';
import { DynamoStateStore } from '../../shared/workflow/store';
import { loadEvent } from '../fixtures/events/load';
import { addInstances, DOCUMENT_NAME, STATE_TABLE, simScenario, testConfig } from './support';

const SERVICE: Record<string, string> = {
  EC2Client: 'ec2',
  ECSClient: 'ecs',
  SSMClient: 'ssm',
  SFNClient: 'sfn',
  EventBridgeClient: 'events',
  DynamoDBClient: 'dynamodb',
  Route53Client: 'route53',
};

type Seen = Map<string, Set<string>>;

interface RecordableClient {
  middlewareStack: {
    add: (
      middleware: (
        next: (args: unknown) => Promise<unknown>,
        context: { clientName?: string; commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      options: Record<string, unknown>,
    ) => void;
  };
}

/** The account's clients bound to `functionId`'s role, recording each operation they send under it. */
function recordingClients(account: SimulatedAccount, functionId: string, seen: Seen): AwsClients {
  const clients = account.clients({ role: functionId, maxAttempts: 3 });
  for (const client of Object.values(clients) as unknown as RecordableClient[]) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const ops = seen.get(functionId) ?? new Set<string>();
        ops.add(
          `${SERVICE[context.clientName ?? '']}:${(context.commandName ?? '').replace(/Command$/, '')}`,
        );
        seen.set(functionId, ops);
        return next(args);
      },
      { step: 'initialize', name: 'recordOperations', override: true },
    );
  }
  return clients;
}

/** The operations doctor checks for each function, from the account as it is now. */
async function doctorModel(account: SimulatedAccount, config: Config, vpcId: VpcId): Promise<Seen> {
  const names = {
    partition: 'aws',
    region: account.region,
    account: account.accountId,
    tableName: STATE_TABLE,
    documentName: DOCUMENT_NAME,
    stateMachineArn: `arn:aws:states:${account.region}:${account.accountId}:stateMachine:${SIM_STACK_DEFAULTS.stateMachineName}`,
  };
  const { world } = await callWorld(account.doctorClients(), config, names, vpcId);
  const model: Seen = new Map();
  for (const role of account.iamAuthorizer().roles.keys()) {
    model.set(role, new Set((callsOf(role, world) ?? []).map((c) => `${c.service}:${c.operation}`)));
  }
  return model;
}

/** Operations a role sent that doctor does not check for its function, as "Function service:Operation". */
function unchecked(seen: Seen, model: Seen): string[] {
  return [...seen].flatMap(([fid, ops]) =>
    [...ops].filter((op) => !model.get(fid)?.has(op)).map((op) => `${fid} ${op}`),
  );
}

describe('the calls doctor checks per function', () => {
  jest.setTimeout(120_000);

  it('include every operation each workflow step sends in a run that restarts, reboots and updates agents', async () => {
    // Prepare: one instance per path (restart, agent update, reboot fallback), the stack deployed for it
    const config = testConfig({ restart: { agentUpdate: true, fallback: 'reboot', maxConcurrency: 1 } });
    const s = await simScenario();
    addInstances(s, { clusterName: 'payments', count: 2 });
    addInstances(s, { clusterName: 'legacy', count: 1, agentVersion: '1.21.0' });
    addInstances(s, { clusterName: 'batch', count: 1, ssmManaged: false });
    s.account.deployStack({ config, documentName: DOCUMENT_NAME, tableName: STATE_TABLE });
    const model = await doctorModel(s.account, config, s.vpcId);
    const seen: Seen = new Map();

    // Act
    const result = await runWorkflowLocally(
      { vpcId: s.vpcId, restart: 'all' },
      {
        clients: s.clients,
        clientsFor: (functionId) => recordingClients(s.account, functionId, seen),
        storeFor: (clients) =>
          new DynamoStateStore(clients.dynamodb, STATE_TABLE, () => s.account.clock.now()),
        config,
        documentName: DOCUMENT_NAME,
        fastWaits: true,
        now: () => s.account.clock.now(),
        advanceClock: (seconds) => s.account.clock.advance(seconds * 1000),
      },
    );

    // Assess: the run went every way, and doctor checks every operation of every step
    expect(result.status).toBe('SUCCEEDED');
    expect(result.summary?.counts).toMatchObject({ restarted: 4, failed: 0 });
    expect([...(seen.get('WorkflowPollBatch') ?? [])]).toEqual(
      expect.arrayContaining(['ssm:SendCommand', 'ec2:RebootInstances', 'ecs:UpdateContainerInstancesState']),
    );
    expect(seen.get('WorkflowStartAgentUpdates')).toContain('ecs:UpdateContainerAgent');
    expect(seen.size).toBe(9);
    expect(unchecked(seen, model)).toEqual([]);
  });

  it('include every operation the trigger and sweep functions send for an opt-in, a sweep and an opt-out', async () => {
    // Prepare: a VPC without instances and teardownOnOptOut (so the opt-out tears down), the stack's state
    // machine and table
    const config = testConfig({ teardownOnOptOut: true });
    const s = await simScenario({ optedIn: false });
    s.account.deployStack({ config, documentName: DOCUMENT_NAME, tableName: STATE_TABLE });
    const stateMachineArn = s.account.addStateMachine(SIM_STACK_DEFAULTS.stateMachineName);
    const model = await doctorModel(s.account, config, s.vpcId);
    const seen: Seen = new Map();
    const handler = (functionId: string) =>
      createTriggerHandler(
        { ...recordingClients(s.account, functionId, seen), config, stateMachineArn, tableName: STATE_TABLE },
        ['vpc-tag-change', 'vpc-api-call', 'ecs-instance-state', 'ecs-cluster-api-call', 'sweep'],
      );
    const tagEvent = (tags: Record<string, string>) =>
      tagChangeEvent({
        region: s.account.region,
        accountId: s.account.accountId,
        vpcId: s.vpcId,
        time: s.account.clock.now(),
        changedKeys: ['privatelink-ecs'],
        tags,
      });
    const admin = s.account.clients();

    // Act: opt in, sweep, opt out
    await admin.ec2.send(
      new CreateTagsCommand({
        Resources: [s.vpcId],
        Tags: [{ Key: 'privatelink-ecs', Value: 'enabled' }],
      }),
    );
    const context = lambdaContext(s.account.region, s.account.accountId);
    const optIn = await asLambda('TriggerVpc', () =>
      handler('TriggerVpc')(tagEvent({ 'privatelink-ecs': 'enabled' }), context),
    );
    const sweep = await asLambda('Sweep', () => handler('Sweep')(loadEvent('scheduled-sweep'), context));
    await admin.ec2.send(new DeleteTagsCommand({ Resources: [s.vpcId], Tags: [{ Key: 'privatelink-ecs' }] }));
    // The teardown deletes our endpoints, then fails on our security group while they are still deleting (the
    // platform retries the event later): every call of the opt-out was sent.
    const optOut = asLambda('TriggerVpc', () => handler('TriggerVpc')(tagEvent({}), context));

    // Assess
    expect(optIn.vpcs[0]).toMatchObject({ decision: 'reconciled' });
    expect(sweep.vpcs.map((v) => v.vpcId)).toContain(s.vpcId);
    await expect(optOut).rejects.toThrow(/teardown of VPC .*endpoints still deleting/);
    expect(seen.get('TriggerVpc')).toContain('ec2:DeleteVpcEndpoints');
    expect(seen.get('TriggerVpc')).toContain('ec2:DeleteSecurityGroup');
    expect(seen.get('TriggerVpc')).toContain('sfn:StartExecution');
    expect(unchecked(seen, model)).toEqual([]);
  });
});
