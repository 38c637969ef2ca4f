// `plan --org` on a simulated organization (3 member accounts x 2 regions): every account of the target OU,
// its nested OU included, is planned through the planner role assumed from the hub account; a member whose role
// is missing, or whose role does not trust the caller, is reported and the others finish; nothing is written.
import { runPlanOrg } from '../../../bin/commands/plan';
import { orgClients } from '../../../bin/lib/org';
import { policyOf, SimulatedOrganization } from '../../../devkit/sim/org';
import { type Config, parseConfig } from '../../../shared/config';
import { plannerRoleName } from '../../../shared/org/names';
import { PLANNER_PERMISSIONS } from '../../../shared/org/permissions';

function buildOrg(): SimulatedOrganization {
  const org = new SimulatedOrganization();
  for (const { accountId, region } of org.memberRegions()) {
    org.putPlannerRole(accountId, region);
    const account = org.account(accountId, region);
    account.addVpc({ cidr: '10.1.0.0/16', layout: 'private-only', tags: { 'privatelink-ecs': 'enabled' } });
    account.addVpc({ cidr: '10.2.0.0/16', layout: 'private-only', tags: { Name: 'not-opted-in' } });
  }
  // An account outside the target OU: never planned.
  org.addAccount('999999999999', 'sandbox', 'ou-pl1n-sandboxs');
  return org;
}

function configFor(org: SimulatedOrganization, excludeAccounts: string[] = []): Config {
  return parseConfig({
    organization: { id: org.orgId, targets: [org.workloadsOuId], regions: [...org.regions], excludeAccounts },
  });
}

async function run(
  org: SimulatedOrganization,
  config: Config,
  args: { json?: boolean; concurrency?: string } = {},
) {
  const out: string[] = [];
  const clients = orgClients({
    region: org.hubRegion,
    credentials: org.operatorCredentials(),
    onClient: (c) => org.attach(c),
  });
  // loadConfig reads --config from a file; the test hands the parsed config in through a file-less seam.
  const code = await runPlanOrg({ ...args, org: true }, { clients, stdout: (t) => out.push(t), config });
  return { code, text: out.join('') };
}

describe('plan --org on a simulated organization', () => {
  it('plans the opted-in VPC of every member account-region and totals endpoints and cost', async () => {
    // Prepare
    const org = buildOrg();

    // Act
    const { code, text } = await run(org, configFor(org), { json: true });

    // Assess
    const out = JSON.parse(text) as {
      results: Array<{
        accountId: string;
        region: string;
        ok: boolean;
        vpcs: Array<{ endpointsToCreate: number }>;
      }>;
      totals: {
        accountRegions: number;
        failed: number;
        vpcs: number;
        endpointsToCreate: number;
        monthlyUsd: number;
      };
    };
    expect(code).toBe(0);
    expect(out.results.map((r) => `${r.accountId}/${r.region}`).sort()).toEqual(
      org
        .memberRegions()
        .map((m) => `${m.accountId}/${m.region}`)
        .sort(),
    );
    expect(out.results.every((r) => r.ok && r.vpcs.length === 1)).toBe(true);
    // Each private-only VPC in 2 AZs needs the 5 ECS/ECR interface endpoints, SSM's 3 (no NAT) and S3's gateway.
    const perVpc = out.results[0]!.vpcs[0]!.endpointsToCreate;
    expect(perVpc).toBeGreaterThanOrEqual(6);
    expect(out.totals).toMatchObject({
      accountRegions: 6,
      failed: 0,
      vpcs: 6,
      endpointsToCreate: 6 * perVpc,
    });
    expect(out.totals.monthlyUsd).toBeGreaterThan(0);
    // Read-only: no member account-region received a single write, and every call was authorized as the role.
    for (const { accountId, region } of org.memberRegions()) {
      expect(org.account(accountId, region).writeCalls()).toEqual([]);
    }
    expect(org.iam.denied).toBe(0);
    expect(org.iam.authorized).toBeGreaterThan(0);
  });

  it('reports a member whose role is missing or distrusts the caller and finishes the others (exit 1)', async () => {
    // Prepare
    const org = buildOrg();
    const [first, second] = org.memberAccountIds as [string, string];
    org.deleteRole(first, plannerRoleName('eu-west-1'));
    org.putRole(second, {
      roleName: plannerRoleName('us-east-1'),
      trustPolicy: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${second}:root` }, Action: 'sts:AssumeRole' },
        ],
      },
      policies: [policyOf(PLANNER_PERMISSIONS)],
    });

    // Act
    const { code, text } = await run(org, configFor(org), { concurrency: '2' });

    // Assess
    expect(code).toBe(1);
    const lines = text.split('\n');
    const failed = lines.filter((l) => l.includes('FAILED AccessDenied'));
    expect(failed).toHaveLength(2);
    expect(failed.some((l) => l.startsWith(first) && l.includes('eu-west-1'))).toBe(true);
    expect(failed.some((l) => l.startsWith(second) && l.includes('us-east-1'))).toBe(true);
    expect(lines.filter((l) => /opted-in VPC\(s\), 1 to change/.test(l))).toHaveLength(4);
    expect(text).toMatch(
      /Total: 6 account-region\(s\), 4 opted-in VPC\(s\), .*; 2 account-region\(s\) FAILED/,
    );
  });

  it('leaves out excluded accounts and accounts outside the target OUs', async () => {
    // Prepare
    const org = buildOrg();
    const excluded = org.memberAccountIds[2]!;

    // Act
    const { code, text } = await run(org, configFor(org, [excluded]), { json: true });

    // Assess
    const out = JSON.parse(text) as { results: Array<{ accountId: string }> };
    expect(code).toBe(0);
    expect([...new Set(out.results.map((r) => r.accountId))].sort()).toEqual(
      org.memberAccountIds.filter((id) => id !== excluded).sort(),
    );
  });

  it('retries a throttled AssumeRole and ListAccountsForParent with the SDK and still plans every member', async () => {
    // Prepare
    const org = buildOrg();
    org.throttle('sts:AssumeRole', 1);
    org.throttle('organizations:ListAccountsForParent', 1);
    const out: string[] = [];
    const clients = orgClients({
      region: org.hubRegion,
      credentials: org.operatorCredentials(),
      maxAttempts: 3,
      onClient: (c) => org.attach(c),
    });

    // Act
    const code = await runPlanOrg(
      { org: true, json: true },
      { clients, stdout: (t) => out.push(t), config: configFor(org) },
    );

    // Assess
    expect(code).toBe(0);
    expect(
      (JSON.parse(out.join('')) as { totals: { failed: number; accountRegions: number } }).totals,
    ).toMatchObject({
      failed: 0,
      accountRegions: 6,
    });
  });

  it('refuses a bad --concurrency naming the flag, before any call', async () => {
    // Prepare
    const org = buildOrg();

    // Act
    const attempt = run(org, configFor(org), { concurrency: '0' });

    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'InvalidInput',
      message: expect.stringContaining('--concurrency'),
    });
    expect(org.iam.authorized).toBe(0);
  });
});
