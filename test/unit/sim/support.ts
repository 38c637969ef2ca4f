// Shared by the simulated account's unit tests (errorOf also by the contract tests, on moto and the sim).

/** The error an SDK call rejects with; fails the test if the call succeeds. */
export async function errorOf(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { attempts?: number } }> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

/** A SendCommand input that restarts the agent through the built-in shell document. */
export const RESTART = {
  DocumentName: 'AWS-RunShellScript',
  Parameters: { commands: ['systemctl restart ecs'] },
};
