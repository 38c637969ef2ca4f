// Reading the deployed stack's outputs, for the CLI commands that act on a deployed privatelink-ecs stack.
import { CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { clientConfig } from '../../shared/clients';
import { InvalidInputError } from '../../shared/errors';

export const DEFAULT_STACK_NAME = 'PrivateLinkEcs';

export interface StackOutput {
  OutputKey?: string;
  OutputValue?: string;
}

export function cloudFormationClient(region?: string): CloudFormationClient {
  // The same retry budget (AWS_MAX_ATTEMPTS, default 5) as every other client the CLI makes.
  return new CloudFormationClient(clientConfig(region ? { region } : {}));
}

/**
 * A deployed stack as DescribeStacks returns it. A stack that does not exist is bad input (InvalidInputError
 * naming `--stack-name` and `hint`, what the caller can pass instead); every other error is thrown as it is.
 */
export async function describeStack(
  cfn: CloudFormationClient,
  stackName: string,
  hint: string,
): Promise<Stack> {
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    return out.Stacks?.[0] ?? { StackName: stackName, StackStatus: undefined, CreationTime: undefined };
  } catch (err) {
    if ((err as { name?: string }).name === 'ValidationError') {
      throw new InvalidInputError(
        `stack ${stackName} was not found in this account and region: deploy it (npx cdk deploy) or pass --stack-name / ${hint}`,
        { field: '--stack-name' },
        { cause: err },
      );
    }
    throw err;
  }
}

/** The outputs of a deployed stack (see describeStack for a stack that does not exist). */
export async function stackOutputs(
  cfn: CloudFormationClient,
  stackName: string,
  hint: string,
): Promise<StackOutput[]> {
  return (await describeStack(cfn, stackName, hint)).Outputs ?? [];
}
