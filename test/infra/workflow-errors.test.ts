// The error names the state machine's Retry and Catch match: each is a Step Functions name, a transient name
// Lambda or the AWS SDK raises, or a name of the project's error hierarchy (test/unit/error-names.test.ts
// checks that the project's names exist there). A name matched by nothing would silently never retry.
import {
  AWS_TRANSIENT_ERROR_NAMES,
  INPUT_REJECTION_ERROR_NAMES,
  RETRYABLE_ERROR_NAMES,
  RETRYABLE_PROJECT_ERROR_NAMES,
} from '../../shared/workflow/errors';
import { synthStack } from './support';

interface AslState {
  Type: string;
  Retry?: Array<{ ErrorEquals: string[] }>;
  Catch?: Array<{ ErrorEquals: string[] }>;
  Iterator?: { States: Record<string, AslState> };
  ItemProcessor?: { States: Record<string, AslState> };
  Branches?: Array<{ States: Record<string, AslState> }>;
}

/** The definition with every intrinsic replaced by a placeholder: enough to read state names and rules. */
function definitionOf(template: ReturnType<typeof synthStack>['template']): {
  States: Record<string, AslState>;
} {
  const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  const joined = machine.Properties.DefinitionString['Fn::Join'] as [string, unknown[]];
  const text = joined[1].map((part) => (typeof part === 'string' ? part : 'X')).join(joined[0]);
  return JSON.parse(text) as { States: Record<string, AslState> };
}

function matchedNames(
  states: Record<string, AslState>,
): Array<{ state: string; rule: string; name: string }> {
  return Object.entries(states).flatMap(([state, s]) => [
    ...(s.Retry ?? []).flatMap((r) => r.ErrorEquals.map((name) => ({ state, rule: 'Retry', name }))),
    ...(s.Catch ?? []).flatMap((c) => c.ErrorEquals.map((name) => ({ state, rule: 'Catch', name }))),
    ...matchedNames(s.Iterator?.States ?? s.ItemProcessor?.States ?? {}),
    ...(s.Branches ?? []).flatMap((b) => matchedNames(b.States)),
  ]);
}

describe('error names in the state machine', () => {
  const definition = definitionOf(synthStack().template);
  const matched = matchedNames(definition.States);

  it('every name a Retry or Catch matches is a Step Functions, AWS or project error name', () => {
    // Prepare
    const known = new Set<string>([
      ...AWS_TRANSIENT_ERROR_NAMES,
      ...RETRYABLE_PROJECT_ERROR_NAMES,
      ...INPUT_REJECTION_ERROR_NAMES,
    ]);

    // Assess
    expect(matched.length).toBeGreaterThan(0);
    expect(matched.filter((m) => !m.name.startsWith('States.') && !known.has(m.name))).toEqual([]);
  });

  it('every Task retries the transient names, the project ones included', () => {
    // Prepare
    const tasks = Object.entries(definition.States).filter(([, s]) => s.Type === 'Task');

    // Assess
    expect(tasks.length).toBeGreaterThan(0);
    for (const [, task] of tasks) {
      expect(task.Retry?.flatMap((r) => r.ErrorEquals)).toEqual(
        expect.arrayContaining([...RETRYABLE_ERROR_NAMES]),
      );
    }
    expect(RETRYABLE_ERROR_NAMES).toEqual(expect.arrayContaining([...RETRYABLE_PROJECT_ERROR_NAMES]));
  });

  it('the first state sends the input rejections straight to a Fail', () => {
    // Assess
    const rejections = matched.filter(
      (m) => m.rule === 'Catch' && INPUT_REJECTION_ERROR_NAMES.includes(m.name as never),
    );
    expect(rejections.map((m) => m.name).sort()).toEqual([...INPUT_REJECTION_ERROR_NAMES].sort());
    expect(new Set(rejections.map((m) => m.state)).size).toBe(1);
  });
});
