// Task state CheckEndpoints of the remediation workflow; the logic is in shared/workflow.
import { lambdaStep } from '../../shared/workflow/lambda';

export const handler = lambdaStep('CheckEndpoints');
