// Fails any test, in any suite, during which a role-bound client was denied a call the test did not expect
// (devkit/iam/enforce.ts logs every denial; `expectingDenials` marks the ones a test provokes on purpose).
// A denial is never only a caught error somewhere in a per-item result: it means the deployed stack would
// refuse that call in a real account.
import { takeUnexpectedDenials } from '../../devkit/iam/enforce';

afterEach(() => {
  const denials = takeUnexpectedDenials();
  if (denials.length > 0) {
    const lines = denials.map(
      (d) => `  ${d.role}: ${d.action} on ${d.resource} (${d.verdict}, ${d.kind} of ${d.operation})`,
    );
    throw new Error(`unexpected IAM denials against the deployed roles:\n${lines.join('\n')}`);
  }
});
