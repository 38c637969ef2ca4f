// Simulated EventBridge PutEvents: entries are validated one by one like the real API (per-entry error codes,
// FailedEntryCount) and accepted ones are recorded in order for assertions.

import type { PutEventsRequest, PutEventsResponse, PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import * as eventssdk from '@aws-sdk/client-eventbridge';
import { type HandlerMap, op, serviceErrors } from './core';
import type { RecordedEvent, SimState } from './state';

export const { error: eventsError, throttle: eventsThrottle } = serviceErrors(
  eventssdk,
  eventssdk.EventBridgeServiceException,
);

export function eventsHandlers(state: SimState): HandlerMap {
  return {
    PutEvents: op<PutEventsRequest, PutEventsResponse>((input) => {
      const entries = input.Entries ?? [];
      if (entries.length < 1 || entries.length > 10) {
        throw eventsError(
          'ValidationException',
          `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and 10`,
        );
      }
      const results: PutEventsResultEntry[] = [];
      for (const entry of entries) {
        const missing = (['Source', 'DetailType', 'Detail'] as const).find((k) => !entry[k]);
        if (missing) {
          results.push({
            ErrorCode: 'InvalidArgument',
            ErrorMessage: `Parameter ${missing} is not valid. Reason: ${missing} is a required argument.`,
          });
          continue;
        }
        let detail: unknown;
        try {
          detail = JSON.parse(entry.Detail!);
        } catch {
          detail = undefined;
        }
        if (!detail || typeof detail !== 'object' || Array.isArray(detail)) {
          results.push({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' });
          continue;
        }
        const size = Buffer.byteLength(JSON.stringify(entry), 'utf8');
        if (size > 262_144) {
          results.push({
            ErrorCode: 'InvalidArgument',
            ErrorMessage: 'Entry exceeds the maximum size of 256 KB.',
          });
          continue;
        }
        const EventId = state.ids.uuid();
        const recorded: RecordedEvent = {
          EventId,
          Time: entry.Time ? new Date(entry.Time.getTime()) : state.clock.now(),
          Source: entry.Source!,
          DetailType: entry.DetailType!,
          Detail: detail,
          Resources: [...(entry.Resources ?? [])],
          EventBusName: entry.EventBusName ?? 'default',
        };
        state.events.push(recorded);
        for (const listener of state.eventListeners) listener(recorded);
        results.push({ EventId });
      }
      return { FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results };
    }),
  };
}
