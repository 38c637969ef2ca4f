// Each service module declares the IAM permissions its code needs, next to that code. The CDK stack builds
// its policy statements from these declarations instead of a hand-kept list.
import { ConfigError } from './errors';

/**
 * ARN templates may use these placeholders, which the stack resolves:
 * `{partition}`, `{region}`, `{account}`, `{managedTagKey}`, `{documentName}`, `{windowsDocumentName}`,
 * `{stateMachineArn}`,
 * `{stateMachineExecutionsArn}` (every execution of that state machine), `{tableArn}`, `{eventBusArn}`.
 * A resource of exactly "*" is allowed only for actions AWS cannot scope to a resource; `reason` says why.
 */
export interface PermissionDeclaration {
  /** A short stable id, used as the statement Sid. Letters and digits only. */
  sid: string;
  actions: string[];
  resources: string[];
  /** IAM condition block, with the same placeholders allowed in keys and values. */
  conditions?: Record<string, Record<string, string | string[] | boolean>>;
  /** One line: why this is needed and, for "*", why it cannot be scoped. */
  reason: string;
}

export type PlaceholderValues = Record<
  | 'partition'
  | 'region'
  | 'account'
  | 'managedTagKey'
  | 'documentName'
  | 'windowsDocumentName'
  | 'stateMachineArn'
  | 'stateMachineExecutionsArn'
  | 'tableArn'
  | 'eventBusArn',
  string
>;

export function fillPlaceholders(template: string, values: Partial<PlaceholderValues>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => {
    const value = (values as Record<string, string | undefined>)[key];
    if (value === undefined) {
      throw new ConfigError(`no value for placeholder ${whole} in "${template}"`, { field: key, template });
    }
    return value;
  });
}
