// The README's IAM table is generated from the synthesized stack (infra/iam-docs.ts): it must match it exactly.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { iamTable } from '../../infra/iam-docs';

describe('README IAM table', () => {
  it('matches the table generated from the synthesized template (regenerate with npx tsx infra/iam-docs.ts)', () => {
    // Prepare
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

    // Act
    const table = iamTable();

    // Assess
    expect(table.split('\n').length).toBeGreaterThan(20);
    expect(table).toContain('`WorkflowPollBatch` | `WorkflowSendRestartDocument` | `ssm:SendCommand`');
    expect(readme).toContain(table);
  });
});
