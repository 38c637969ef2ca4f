// `npm start -- --org`: the organization story runs end to end on the simulated organization and exits 0, with
// every member call made as its deployed role and none denied, and status listing every member VPC.
import { runOrgDemo } from '../../../bin/lib/org-demo';

describe('demo --org', () => {
  it('remediates every member account-region, forwards the events to the hub and lists every VPC', async () => {
    // Prepare
    const out: string[] = [];
    const progress: string[] = [];

    // Act
    const code = await runOrgDemo(
      { instances: '2', json: true },
      (l) => out.push(l),
      (l) => progress.push(l),
    );

    // Assess
    expect(code).toBe(0);
    const report = JSON.parse(out.join('\n')) as {
      members: Array<{ status: string; endpoints: number }>;
      hub: { forwarded: number; delivered: number; outcomes: { applied: number; duplicate: number } };
      status: Array<{ accountId: string; region: string; state: string }>;
      totals: { iam: { authorized: number; denied: number }; vpcs: number };
    };
    expect(report.members).toHaveLength(6);
    expect(report.members.every((m) => m.endpoints > 0)).toBe(true);
    // Each member forwards its trigger decision and its run's completion; each is delivered twice.
    expect(report.hub.forwarded).toBe(12);
    expect(report.hub.outcomes).toMatchObject({ applied: 12, duplicate: 12 });
    expect(report.status.map((r) => `${r.accountId}/${r.region}`)).toHaveLength(6);
    expect(report.status.filter((r) => r.state === 'degraded')).toHaveLength(1);
    expect(report.status.filter((r) => r.state === 'converged')).toHaveLength(5);
    expect(report.totals.iam.denied).toBe(0);
    expect(report.totals.iam.authorized).toBeGreaterThan(0);
    expect(progress.some((l) => l.startsWith('[4/4] privatelink-ecs status'))).toBe(true);
  }, 120_000);
});
