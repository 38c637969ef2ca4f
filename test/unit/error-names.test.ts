// The error hierarchy's names: every class that ships sets a stable, consistent `name`, the one the workflow's
// Retry/Catch and the summaries match on.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { UnmodelledOperationError } from '../../shared/authz/requests';
import {
  ConfigError,
  DependencyFailedError,
  EndpointFailedError,
  EndpointTimeoutError,
  InvalidInputError,
  NotOptedInError,
  PrivateLinkEcsError,
  ReadFailedError,
  RollupConflictError,
  TriggerFailedError,
  VpcBusyError,
  VpcNotFoundError,
} from '../../shared/errors';
import { InvalidPatternError } from '../../shared/events/matcher';
import {
  CommandMayHaveBeenSentError,
  EndpointsNotConvergedError,
  INPUT_REJECTION_ERROR_NAMES,
  isTransient,
  RETRYABLE_PROJECT_ERROR_NAMES,
  RestartDocumentMissingError,
  SendCommandFailedError,
  WorkflowStateError,
} from '../../shared/workflow/errors';

const ROOT = join(__dirname, '..', '..');

/** One instance of every class of the hierarchy, with the name it must report. */
const hierarchy: Array<[string, PrivateLinkEcsError, string]> = [
  ['PrivateLinkEcsError', new PrivateLinkEcsError('m'), 'PrivateLinkEcs'],
  ['InvalidInputError', new InvalidInputError('m'), 'InvalidInput'],
  ['ConfigError', new ConfigError('m'), 'InvalidConfig'],
  ['VpcNotFoundError', new VpcNotFoundError('vpc-1'), 'VpcNotFound'],
  ['NotOptedInError', new NotOptedInError('vpc-1', 'k', 'v'), 'NotOptedIn'],
  ['EndpointFailedError', new EndpointFailedError('m'), 'EndpointFailed'],
  ['EndpointTimeoutError', new EndpointTimeoutError('m'), 'EndpointTimeout'],
  ['VpcBusyError', new VpcBusyError('vpc-1'), 'VpcBusy'],
  ['DependencyFailedError', new DependencyFailedError('m'), 'DependencyFailed'],
  ['TriggerFailedError', new TriggerFailedError('m'), 'TriggerFailed'],
  [
    'ReadFailedError',
    new ReadFailedError('DescribeClusters could not read arn:c: ACCESS', { reason: 'ACCESS' }),
    'ReadFailed',
  ],
  ['EndpointsNotConvergedError', new EndpointsNotConvergedError('m'), 'EndpointsNotConverged'],
  ['RestartDocumentMissingError', new RestartDocumentMissingError(), 'RestartDocumentMissing'],
  ['WorkflowStateError', new WorkflowStateError('m'), 'WorkflowState'],
  ['CommandMayHaveBeenSentError', new CommandMayHaveBeenSentError('m'), 'CommandMayHaveBeenSent'],
  ['SendCommandFailedError', new SendCommandFailedError('m'), 'SendCommandFailed'],
  ['InvalidPatternError', new InvalidPatternError('m', ['detail']), 'InvalidPattern'],
  ['UnmodelledOperationError', new UnmodelledOperationError('ec2', 'X'), 'UnmodelledOperation'],
  ['RollupConflictError', new RollupConflictError('m'), 'RollupConflict'],
];
const NAMES = new Set(hierarchy.map(([, , name]) => name));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}
const shipped = ['shared', 'functions'].flatMap((d) => sourceFiles(join(ROOT, d)));

describe('error hierarchy names', () => {
  it.each(hierarchy)('%s reports the name %s', (_cls, error, name) => {
    // Assess
    expect(error).toBeInstanceOf(PrivateLinkEcsError);
    expect(error.name).toBe(name);
  });

  it('every name is PascalCase without an Error suffix, and no two classes share one', () => {
    // Assess
    for (const [, , name] of hierarchy) expect(name).toMatch(/^[A-Z][A-Za-z]*[a-z]$/);
    for (const [, , name] of hierarchy) expect(name.endsWith('Error')).toBe(false);
    expect(NAMES.size).toBe(hierarchy.length);
  });

  it('the table above covers every error class that ships', () => {
    // Prepare: every `class X extends Y` in shared/ and functions/
    const declared = shipped.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/class (\w+) extends (\w+)/g)].map((m) => ({
        file: relative(ROOT, file),
        cls: m[1]!,
        base: m[2]!,
      })),
    );
    const errors = declared.filter((d) => d.base === 'Error' || d.base.endsWith('Error'));

    // Assess
    expect(errors.map((d) => d.cls).sort()).toEqual(hierarchy.map(([cls]) => cls).sort());
  });

  it('nothing that ships throws a plain Error', () => {
    // Prepare
    const plain = shipped.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .map((line, n) => ({ where: `${relative(ROOT, file)}:${n + 1}`, line }))
        .filter(({ line }) => /new (Type|Range)?Error\(|Object\.assign\(\s*new Error/.test(line)),
    );

    // Assess
    expect(plain).toEqual([]);
  });
});

describe('names the workflow matches', () => {
  it('every input-rejection name the first state catches is a name of the hierarchy', () => {
    // Assess
    for (const name of INPUT_REJECTION_ERROR_NAMES) expect(NAMES).toContain(name);
  });

  it('every retryable name of the project is in the hierarchy, and its errors count as transient', () => {
    // Assess
    for (const name of RETRYABLE_PROJECT_ERROR_NAMES) expect(NAMES).toContain(name);
    const retryable = hierarchy.filter(([, , name]) =>
      (RETRYABLE_PROJECT_ERROR_NAMES as readonly string[]).includes(name),
    );
    expect(retryable.map(([, , name]) => name).sort()).toEqual([...RETRYABLE_PROJECT_ERROR_NAMES].sort());
    for (const [, error] of retryable) expect(isTransient(error)).toBe(true);
    expect(isTransient(new WorkflowStateError('m'))).toBe(false);
  });
});
