// Task state CheckEndpoints of the remediation workflow: poll the endpoints' states (EC2 client only).
// The step is built alone from its own clients, so this bundle carries no other step's code or SDK client.
import { createEc2Client } from '../../shared/clients';
import { lambdaStep } from '../../shared/workflow/lambda';
import { checkEndpointsStep } from '../../shared/workflow/steps';

export const handler = lambdaStep('CheckEndpoints', (env) =>
  checkEndpointsStep({ clients: { ec2: createEc2Client() }, config: env.config }),
);
