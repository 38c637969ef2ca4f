// ValidateInput: the execution input is checked field by field before any AWS call that could change
// anything. A malformed input, an unknown VPC or a VPC that is not opted in (without force) ends the run.
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { Config } from '../config';
import { InvalidInputError, NotOptedInError, VpcNotFoundError } from '../errors';
import { isVpcId, VPC_ID_PATTERN, type VpcId } from '../ids';
import { readVpc } from '../reconciler/vpc';
import * as z from '../zod';
import type { WorkflowInput } from './types';

const inputSchema = z.strictObject({
  vpcId: z.pipe(
    z.string().check(z.regex(VPC_ID_PATTERN, 'must be a VPC ID like vpc-0123456789abcdef0')),
    z.custom<VpcId>(isVpcId),
  ),
  force: z.optional(z.boolean()),
  dryRun: z.optional(z.boolean()),
  restart: z.optional(z.enum(['auto', 'all', 'none'])),
  trigger: z.optional(
    z.strictObject({
      eventId: z.string().check(z.minLength(1), z.maxLength(256)),
      kind: z.string().check(z.minLength(1), z.maxLength(128)),
    }),
  ),
});

/** Parses the execution input; throws InvalidInput naming the first wrong field. Makes no AWS call. */
export function parseWorkflowInput(raw: unknown): WorkflowInput {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidInputError(
      `input (root) must be a JSON object like {"vpcId": "vpc-0123456789abcdef0"}, got ${describe(raw)}`,
      { field: '(root)' },
    );
  }
  const result = inputSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field =
      issue.code === 'unrecognized_keys'
        ? issue.keys.join(', ')
        : issue.path.length
          ? issue.path.join('.')
          : '(root)';
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown input field(s) ${field}: allowed are vpcId, force, dryRun, restart, trigger`
        : `input field ${field}: ${issue.message}`;
    throw new InvalidInputError(message, { field });
  }
  const { vpcId, force = false, dryRun = false, restart = 'auto', trigger } = result.data;
  return trigger ? { vpcId, force, dryRun, restart, trigger } : { vpcId, force, dryRun, restart };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return typeof value;
}

/** Reads the VPC's tags (DescribeVpcs, the reconciler's readVpc) and enforces the opt-in rule. */
export async function assertVpcEligible(ec2: EC2Client, config: Config, input: WorkflowInput): Promise<void> {
  const { exists, optedIn } = await readVpc(ec2, config, input.vpcId);
  if (!exists) throw new VpcNotFoundError(input.vpcId);
  if (!optedIn && !input.force) {
    throw new NotOptedInError(input.vpcId, config.optInTag.key, config.optInTag.value);
  }
}
