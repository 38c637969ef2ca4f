// SSM rejects a whole SendCommand (InvalidInstanceId) when one target is not a usable managed node. The rollout
// isolates that instance, fails it with a reason, and still restarts the healthy instances of the same chunk.

import { ssmError, ssmThrottle } from '../../devkit/sim/ssm';
import { ISOLATION_CALL_BUDGET, sendIsolatingInvalidTargets } from '../../shared/workflow/command-protocol';
import type { ItemProgress } from '../../shared/workflow/records';
import {
  addInstances,
  callsOf,
  runOnSim,
  type SimScenario,
  sentTo,
  simScenario,
  testConfig,
} from './support';

type SendCommandInput = { InstanceIds: string[] };

/** Instance IDs of the SendCommand calls SSM accepted (those that created a command). */
function acceptedTargets(s: SimScenario): string[] {
  return [...s.account.state.commands.values()].flatMap((c) => c.instanceIds);
}

describe('rolling restart with a target SSM rejects as a whole call', () => {
  async function twentyWithOneInvalid(): Promise<{ s: SimScenario; healthy: string[]; bad: string }> {
    const s = await simScenario({ account: { ssmRejectsWholeCallOnInvalidTarget: true } });
    const ids = addInstances(s, { clusterName: 'prod', count: 20 }).instanceIds;
    const bad = ids[7]!;
    return { s, healthy: ids.filter((id) => id !== bad), bad };
  }
  const config = testConfig({ restart: { maxConcurrency: 20, maxErrors: 1 } });

  it('restarts the 19 healthy instances and fails the one SSM no longer manages although it was believed Online', async () => {
    // Prepare: the agent on one instance is gone, but SSM's ping status still says Online.
    const { s, healthy, bad } = await twentyWithOneInvalid();
    s.account.setSsmManaged(bad, false);
    s.account.state.ssmStaleOnline.add(bad);

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId }, { config });

    // Assess
    // A failure within the budget: the run reports it (RestartsFailed) but the budget was not exceeded.
    expect(result.error).toBe('RestartsFailed');
    expect(result.cause).toMatch(/1 instance\(s\) failed/);
    const summary = result.summary!;
    expect(summary.counts).toEqual({ restarted: 19, skipped: 0, failed: 1 });
    expect(summary.restarted.map((r) => r.instanceId).sort()).toEqual([...healthy].sort());
    expect(summary.failed).toEqual([
      expect.objectContaining({
        instanceId: bad,
        reason: expect.stringMatching(
          /^not a valid SSM target: SendCommand rejected it \(InvalidInstanceId: .*not in a valid state.*describe-instance-information/,
        ),
      }),
    ]);
    // The budget counted exactly that one failure (maxErrors 1 is not exceeded, nothing was skipped).
    expect(summary.skipped).toEqual([]);
    // One rejected call with all 20, then one accepted call with the 19; no instance received the command twice.
    const calls = (callsOf(s.account, 'ssm:SendCommand') as SendCommandInput[]).map((c) => c.InstanceIds);
    expect(calls).toHaveLength(2);
    expect(calls[0]).toHaveLength(20);
    expect([...calls[1]!].sort()).toEqual([...healthy].sort());
    const accepted = acceptedTargets(s);
    expect(new Set(accepted).size).toBe(accepted.length);
    expect(accepted).not.toContain(bad);
  });

  it('with the budget at 0 the one invalid target stops the rollout but the 19 are still restarted', async () => {
    // Prepare
    const { s, healthy, bad } = await twentyWithOneInvalid();
    s.account.setSsmManaged(bad, false);
    s.account.state.ssmStaleOnline.add(bad);

    // Act
    const result = await runOnSim(
      s,
      { vpcId: s.vpcId },
      { config: testConfig({ restart: { maxConcurrency: 20, maxErrors: 0 } }) },
    );

    // Assess
    expect(result.error).toBe('ErrorBudgetExceeded');
    expect(result.summary!.counts).toEqual({ restarted: 19, skipped: 0, failed: 1 });
    expect(result.summary!.failed.map((f) => f.instanceId)).toEqual([bad]);
    expect(acceptedTargets(s).sort()).toEqual([...healthy].sort());
  });

  it('a re-run after the isolation restarts nobody twice and rejects the invalid instance again', async () => {
    // Prepare
    const { s, bad } = await twentyWithOneInvalid();
    s.account.setSsmManaged(bad, false);
    s.account.state.ssmStaleOnline.add(bad);
    const first = await runOnSim(s, { vpcId: s.vpcId }, { config });
    expect(first.summary!.counts.restarted).toBe(19);
    s.account.clock.advance(60_000);
    const before = sentTo(s).length;

    // Act
    const second = await runOnSim(s, { vpcId: s.vpcId }, { config });

    // Assess: only the failed instance is attempted again.
    expect(second.summary!.failed.map((f) => f.instanceId)).toEqual([bad]);
    expect(sentTo(s).slice(before)).toEqual([bad]);
  });
});

describe('sendIsolatingInvalidTargets', () => {
  const ids = Array.from({ length: 50 }, (_, n) => `i-${(0x1000000 + n).toString(16).padStart(17, '0')}`);

  /** A SendCommand stand-in: rejects any call containing a bad ID, naming them only when `named`. */
  function fakeSsm(bad: Set<string>, named: boolean, items: Record<string, ItemProgress>) {
    const calls: string[][] = [];
    const send = async (list: string[]) => {
      calls.push(list);
      const hit = list.filter((id) => bad.has(id));
      if (hit.length) {
        const message = named
          ? `Instances [[${hit.join(', ')}]] not in a valid state for account 123456789012`
          : 'Instances not in a valid state for account 123456789012';
        throw ssmError('InvalidInstanceId', message);
      }
      for (const id of list) items[id] = { phase: 'command', since: 0 };
    };
    return { calls, send };
  }

  it('without IDs in the message, bisects to the one bad instance within 2·log2(50) extra calls', async () => {
    // Prepare
    const items: Record<string, ItemProgress> = {};
    const bad = ids[33]!;
    const { calls, send } = fakeSsm(new Set([bad]), false, items);
    let saves = 0;

    // Act
    await sendIsolatingInvalidTargets(ids, send, items, async () => {
      saves++;
    });

    // Assess
    expect(calls.length - 1).toBeLessThanOrEqual(ISOLATION_CALL_BUDGET);
    expect(ISOLATION_CALL_BUDGET).toBe(12);
    expect(items[bad]).toMatchObject({ phase: 'done', outcome: 'failed' });
    expect(items[bad]!.reason).toMatch(/^not a valid SSM target/);
    expect(ids.filter((id) => id !== bad).every((id) => items[id]?.phase === 'command')).toBe(true);
    const accepted = calls.filter((c) => !c.includes(bad)).flat();
    expect(accepted.sort()).toEqual(ids.filter((id) => id !== bad).sort());
    expect(saves).toBe(calls.filter((c) => !c.includes(bad)).length);
  });

  it('with IDs in the message, isolates several bad instances with one extra call', async () => {
    // Prepare
    const items: Record<string, ItemProgress> = {};
    const bad = new Set([ids[2]!, ids[40]!]);
    const { calls, send } = fakeSsm(bad, true, items);

    // Act
    await sendIsolatingInvalidTargets(ids, send, items, async () => {});

    // Assess
    expect(calls).toHaveLength(2);
    expect(calls[1]).toEqual(ids.filter((id) => !bad.has(id)));
    for (const id of bad) expect(items[id]).toMatchObject({ outcome: 'failed' });
  });

  it('when bisection runs out of calls, reports the unresolved instances as not sent instead of dropping them', async () => {
    // Prepare: many bad instances spread out and no IDs in the message.
    const items: Record<string, ItemProgress> = {};
    const bad = new Set(ids.filter((_, n) => n % 7 === 0));
    const { calls, send } = fakeSsm(bad, false, items);

    // Act
    await sendIsolatingInvalidTargets(ids, send, items, async () => {});

    // Assess
    expect(calls.length - 1).toBeLessThanOrEqual(ISOLATION_CALL_BUDGET);
    expect(ids.every((id) => items[id] !== undefined)).toBe(true);
    for (const id of bad) expect(items[id]).toMatchObject({ phase: 'done', outcome: 'failed' });
    const unresolved = ids.filter((id) =>
      /could not be isolated within 12 extra calls/.test(items[id]?.reason ?? ''),
    );
    expect(unresolved.length).toBeGreaterThan(0);
  });

  it('another SendCommand error fails the call’s instances, and a throttle is rethrown with earlier sends kept', async () => {
    // Prepare
    const items: Record<string, ItemProgress> = {};
    const calls: string[][] = [];
    const send = async (list: string[]) => {
      calls.push(list);
      if (calls.length === 1)
        throw ssmError('InvalidInstanceId', `Instances [[${ids[0]}]] not in a valid state`);
      if (calls.length === 2) throw ssmThrottle('SendCommand');
      for (const id of list) items[id] = { phase: 'command', since: 0 };
    };
    const other: Record<string, ItemProgress> = {};
    const invalidDoc = async () => {
      throw ssmError('InvalidDocument', 'Document with name X does not exist.');
    };

    // Act
    const thrown = await sendIsolatingInvalidTargets(ids, send, items, async () => {}).then(
      () => undefined,
      (e: Error) => e,
    );
    await sendIsolatingInvalidTargets(ids.slice(0, 3), invalidDoc, other, async () => {});

    // Assess
    expect(thrown?.name).toBe('ThrottlingException');
    expect(items[ids[0]!]).toMatchObject({ outcome: 'failed' });
    expect(items[ids[1]!]).toBeUndefined();
    expect(Object.values(other).map((i) => i.reason)).toEqual(
      Array(3).fill('SendCommand failed: InvalidDocument: Document with name X does not exist.'),
    );
  });
});
