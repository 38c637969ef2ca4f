// Cross-account requests that a resource policy decides, such as sts:AssumeRole against a role's trust policy:
// evaluated by the same IAM evaluator as every role-bound call (@cloud-copilot/iam-simulate), with the caller's
// identity policies AND the resource policy, as AWS requires both for a request from another account.
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { Verdict } from './authorizer';
import type { PolicyDocument } from './roles';

/** Who makes a request: an IAM user or an assumed-role session, with the policies attached to it. */
export interface CallerPrincipal {
  /** arn:aws:iam::<account>:user/<name>, or arn:aws:sts::<account>:assumed-role/<role>/<session>. */
  arn: string;
  accountId: string;
  /** For a role session, the role's ARN (aws:PrincipalArn); for a user, its own ARN. */
  principalArn: string;
  /** The organization the caller's account belongs to (aws:PrincipalOrgID), if any. */
  orgId?: string;
  identityPolicies: PolicyDocument[];
}

/** The verdict on `action` against `resourceArn` (owned by `resourceAccount`), governed by `resourcePolicy`. */
export async function evaluateWithResourcePolicy(
  caller: CallerPrincipal,
  action: string,
  resourceArn: string,
  resourceAccount: string,
  resourcePolicy: PolicyDocument,
): Promise<Verdict> {
  const result = await runSimulation(
    {
      identityPolicies: caller.identityPolicies.map((policy, i) => ({ name: `identity${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy,
      request: {
        action,
        principal: caller.arn,
        resource: { resource: resourceArn, accountId: resourceAccount },
        contextVariables: {
          'aws:PrincipalArn': caller.principalArn,
          'aws:PrincipalAccount': caller.accountId,
          ...(caller.orgId ? { 'aws:PrincipalOrgID': caller.orgId } : {}),
        },
      },
    },
    {},
  );
  if (result.resultType === 'error') {
    throw new Error(
      `the IAM evaluator rejected the request ${action} on ${resourceArn}: ${JSON.stringify(result.errors)}`,
    );
  }
  return (result as { overallResult: Verdict }).overallResult;
}
