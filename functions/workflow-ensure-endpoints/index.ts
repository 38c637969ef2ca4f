// Task state EnsureEndpoints of the remediation workflow: converge the endpoint set with the reconciler (EC2, and Route 53 for
// the private hosted zones that serve a service centrally).
// The step is built alone from its own clients, so this bundle carries no other step's code or SDK client.
import { createEc2Client, createRoute53Client } from '../../shared/clients';
import { reconcileVpc } from '../../shared/reconciler';
import { lambdaStep } from '../../shared/workflow/lambda';
import { ensureEndpointsStep } from '../../shared/workflow/steps';

export const handler = lambdaStep('EnsureEndpoints', (env) =>
  ensureEndpointsStep({
    clients: { ec2: createEc2Client(), route53: createRoute53Client() },
    config: env.config,
    reconcile: reconcileVpc,
  }),
);
