// Resource ID syntax checks. Bad IDs are rejected at the entry points (Lambda input parsing, the workflow's
// input validation, the CLI's options) before any AWS call is made; what passes travels on as a branded type,
// so the code behind an entry point takes a VpcId and never checks it again.
import { InvalidInputError } from './errors';

export const VPC_ID_PATTERN = /^vpc-[0-9a-f]{8}([0-9a-f]{9})?$/;
export const INSTANCE_ID_PATTERN = /^i-[0-9a-f]{8}([0-9a-f]{9})?$/;

declare const vpcIdBrand: unique symbol;
/** A string that matched VPC_ID_PATTERN. Only isVpcId and parseVpcId make one. */
export type VpcId = string & { readonly [vpcIdBrand]: true };

export function isVpcId(value: unknown): value is VpcId {
  return typeof value === 'string' && VPC_ID_PATTERN.test(value);
}

/** The VPC ID of an entry point's input; InvalidInputError naming `field` otherwise. */
export function parseVpcId(value: unknown, field = 'vpcId'): VpcId {
  if (!isVpcId(value)) {
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
