// Lambda entry (organization hub): applies each event members forward to the hub bus to the roll-up table.
// Thin: shared/org/lambda.ts builds the client and reads the environment once.
import { rollupLambda } from '../../shared/org/lambda';

export const handler = rollupLambda();
