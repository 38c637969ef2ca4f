// Task state ValidateInput of the remediation workflow: parse the execution input and check the VPC (EC2 client only).
// The step is built alone from its own clients, so this bundle carries no other step's code or SDK client.
import { createEc2Client } from '../../shared/clients';
import { lambdaStep } from '../../shared/workflow/lambda';
import { validateInputStep } from '../../shared/workflow/steps';

export const handler = lambdaStep('ValidateInput', (env) =>
  validateInputStep({ clients: { ec2: createEc2Client() }, config: env.config }),
);
