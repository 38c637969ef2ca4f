// Resource ID syntax checks. Bad IDs are rejected before any AWS call is made.
import { InvalidInputError } from './errors';

export const VPC_ID_PATTERN = /^vpc-[0-9a-f]{8}([0-9a-f]{9})?$/;
export const INSTANCE_ID_PATTERN = /^i-[0-9a-f]{8}([0-9a-f]{9})?$/;

export function assertVpcId(value: unknown, field = 'vpcId'): string {
  if (typeof value !== 'string' || !VPC_ID_PATTERN.test(value)) {
    throw new InvalidInputError(
      `${field} must be a VPC ID like vpc-0123456789abcdef0, got ${quoteShort(value)}`,
      { field },
    );
  }
  return value;
}

/** Quotes a rejected value for an error line: JSON, cut to 60 characters so a huge input stays readable. */
function quoteShort(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length <= 60 ? text : `${text.slice(0, 60)}… (${text.length} characters)`;
}
