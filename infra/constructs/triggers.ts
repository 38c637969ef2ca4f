// EventBridge rules for the trigger patterns (shared/events/patterns.ts) and the sweep schedule. Every target
// gets a retry policy and a dead-letter queue, so an event Lambda cannot take is kept, not dropped.
import { Duration } from 'aws-cdk-lib';
import { type EventPattern, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Config } from '../../shared/config';
import { ConfigError } from '../../shared/errors';
import type { SweepDescriptor, TriggerRule } from '../../shared/events/patterns';

export const RULE_TARGET_RETRY_ATTEMPTS = 8;
export const RULE_TARGET_MAX_EVENT_AGE = Duration.hours(6);

export interface TriggerRulesProps {
  config: Config;
  rules: readonly TriggerRule[];
  sweep: SweepDescriptor;
  /** Returns the function serving a handler entry (the same function for rules that share an entry). */
  functionFor: (entry: string) => IFunction;
  deadLetterQueue: IQueue;
}

/** "vpc-tag-change" -> "VpcTagChange". */
export function pascalCase(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/**
 * The EventBridge JSON pattern as CDK's EventPattern. CDK's own key for `detail-type` is `detailType`;
 * everything below `detail` (including `$or`, `wildcard`, `exists`) is passed through unchanged.
 */
export function toCdkPattern(pattern: Record<string, unknown>): EventPattern {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pattern)) out[key === 'detail-type' ? 'detailType' : key] = value;
  return out as EventPattern;
}

export class TriggerRules extends Construct {
  /** One rule per trigger pattern, by rule id. */
  public readonly rules = new Map<string, Rule>();
  /** Undefined when config.sweep.enabled is false. */
  public readonly sweepRule?: Rule;

  public constructor(scope: Construct, id: string, props: TriggerRulesProps) {
    super(scope, id);
    const ids = props.rules.map((r) => r.id);
    const duplicate = ids.find((rid, i) => ids.indexOf(rid) !== i);
    if (duplicate) throw new ConfigError(`trigger rule id ${duplicate} is used twice`, { field: 'id' });

    const target = (fn: IFunction) =>
      new LambdaFunction(fn, {
        deadLetterQueue: props.deadLetterQueue,
        retryAttempts: RULE_TARGET_RETRY_ATTEMPTS,
        maxEventAge: RULE_TARGET_MAX_EVENT_AGE,
      });

    for (const trigger of props.rules) {
      const pattern = trigger.pattern(props.config) as Record<string, unknown>;
      if (!Array.isArray(pattern.source) || pattern.source.length === 0) {
        throw new ConfigError(`trigger rule ${trigger.id}: the pattern must match on source`, {
          field: 'source',
        });
      }
      const rule = new Rule(this, `${pascalCase(trigger.id)}Rule`, {
        description: `privatelink-ecs: ${trigger.description}`.slice(0, 512),
        eventPattern: toCdkPattern(pattern),
      });
      rule.addTarget(target(props.functionFor(trigger.handlerEntry)));
      this.rules.set(trigger.id, rule);
    }

    if (props.sweep.enabled) {
      this.sweepRule = new Rule(this, 'SweepSchedule', {
        description: `privatelink-ecs: ${props.sweep.description}`.slice(0, 512),
        schedule: Schedule.expression(props.sweep.schedule),
      });
      this.sweepRule.addTarget(target(props.functionFor(props.sweep.handlerEntry)));
    }
  }
}
