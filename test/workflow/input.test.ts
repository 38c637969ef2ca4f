// Malformed input ends in the first state with InvalidInput naming the field, and the run makes no AWS call.
import { runOnSim, simScenario } from './support';

const VPC = 'vpc-0123456789abcdef0';

describe('workflow input validation', () => {
  it.each([
    ['a null vpcId', 'vpcId', { vpcId: null }],
    ['an array', '(root)', [VPC]],
    ['a bare string', '(root)', VPC],
    ['no vpcId', 'vpcId', {}],
    ['a malformed vpcId', 'vpcId', { vpcId: 'vpc-xyz' }],
    ['an upper-case vpcId', 'vpcId', { vpcId: 'VPC-0123456789ABCDEF0' }],
    ['a numeric vpcId', 'vpcId', { vpcId: 12345 }],
    ['force as a string', 'force', { vpcId: VPC, force: 'yes' }],
    ['dryRun as a number', 'dryRun', { vpcId: VPC, dryRun: 1 }],
    ['an unknown restart mode', 'restart', { vpcId: VPC, restart: 'sometimes' }],
    ['an empty trigger eventId', 'trigger.eventId', { vpcId: VPC, trigger: { eventId: '', kind: 'sweep' } }],
    ['an extra trigger field', 'extra', { vpcId: VPC, trigger: { eventId: 'e', kind: 'k', extra: 1 } }],
    ['an unknown top-level field', 'vpcid', { vpcId: VPC, vpcid: VPC }],
  ])('rejects %s with InvalidInput naming %s and makes no AWS call', async (_label, field, input) => {
    // Prepare
    const s = await simScenario();
    const callsBefore = s.account.calls.length;
    const writesBefore = s.account.writeCalls().length;

    // Act
    const result = await runOnSim(s, input);

    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('InvalidInput');
    expect(result.cause).toContain(field);
    expect(result.statesVisited).toEqual(['ReceiveInput', 'ValidateInput', 'InputRejected']);
    expect(s.account.writeCalls()).toHaveLength(writesBefore);
    expect(s.account.calls).toHaveLength(callsBefore);
  });
});
