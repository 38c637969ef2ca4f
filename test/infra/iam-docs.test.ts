// The IAM table in docs/iam.md is generated from the synthesized stack (infra/iam-docs.ts): it must match it exactly.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { iamTable } from '../../infra/iam-docs';

describe('docs/iam.md IAM table', () => {
  it('matches the table generated from the synthesized template (regenerate with npx tsx infra/iam-docs.ts)', () => {
    // Prepare
    const page = readFileSync(join(__dirname, '..', '..', 'docs', 'iam.md'), 'utf8');

    // Act
    const table = iamTable();

    // Assess
    expect(table.split('\n').length).toBeGreaterThan(20);
    expect(table).toContain('`WorkflowPollBatch` | `WorkflowSendRestartDocument` | `ssm:SendCommand`');
    expect(page).toContain(table);
  });
});
