// Simulated CloudTrail, for `privatelink-ecs doctor`: the trails of the account, whether each is logging, and
// its event selectors (basic or advanced, as a real trail has one kind). Trails are set with the account's
// setTrails knob; a new account has one multi-region trail logging all management events.
import type {
  DescribeTrailsRequest,
  DescribeTrailsResponse,
  GetEventSelectorsRequest,
  GetEventSelectorsResponse,
  GetTrailStatusRequest,
  GetTrailStatusResponse,
} from '@aws-sdk/client-cloudtrail';
import * as cloudtrailsdk from '@aws-sdk/client-cloudtrail';
import { type HandlerMap, op, serviceErrors } from './core';
import type { SimState, SimTrail } from './state';

export const { error: cloudtrailError, throttle: cloudtrailThrottle } = serviceErrors(
  cloudtrailsdk,
  cloudtrailsdk.CloudTrailServiceException,
);

/** What a test may say about a trail; the rest defaults to a multi-region trail logging management events. */
export type TrailSetup = Partial<Omit<SimTrail, 'arn'>> & { name: string };

export function simTrail(state: SimState, setup: TrailSetup): SimTrail {
  const homeRegion = setup.homeRegion ?? state.region;
  return {
    name: setup.name,
    arn: `arn:aws:cloudtrail:${homeRegion}:${state.accountId}:trail/${setup.name}`,
    homeRegion,
    multiRegion: setup.multiRegion ?? true,
    logging: setup.logging ?? true,
    ...(setup.advancedEventSelectors
      ? { advancedEventSelectors: setup.advancedEventSelectors }
      : {
          eventSelectors: setup.eventSelectors ?? [{ ReadWriteType: 'All', IncludeManagementEvents: true }],
        }),
  };
}

export function cloudtrailHandlers(state: SimState): HandlerMap {
  /** A trail by name or ARN, as the API accepts either. */
  function trail(nameOrArn: string | undefined): SimTrail {
    const found = [...state.trails.values()].find((t) => t.name === nameOrArn || t.arn === nameOrArn);
    if (!found) {
      throw cloudtrailError(
        'TrailNotFoundException',
        `Unknown trail: ${nameOrArn ?? ''} for the user: ${state.accountId}`,
      );
    }
    return found;
  }
  /** Trails visible from this region: its own, and (as shadow trails) multi-region trails of other regions. */
  const visible = (includeShadowTrails: boolean) =>
    [...state.trails.values()].filter(
      (t) => t.homeRegion === state.region || (includeShadowTrails && t.multiRegion),
    );

  return {
    DescribeTrails: op<DescribeTrailsRequest, DescribeTrailsResponse>((input) => {
      const wanted = input.trailNameList ?? [];
      const trails = visible(input.includeShadowTrails ?? true).filter(
        (t) => wanted.length === 0 || wanted.includes(t.name) || wanted.includes(t.arn),
      );
      return {
        trailList: trails.map((t) => ({
          Name: t.name,
          TrailARN: t.arn,
          HomeRegion: t.homeRegion,
          IsMultiRegionTrail: t.multiRegion,
          IsOrganizationTrail: false,
          IncludeGlobalServiceEvents: true,
          S3BucketName: `aws-cloudtrail-logs-${state.accountId}`,
          LogFileValidationEnabled: true,
          HasCustomEventSelectors: Boolean(t.advancedEventSelectors),
          HasInsightSelectors: false,
        })),
      };
    }),
    GetTrailStatus: op<GetTrailStatusRequest, GetTrailStatusResponse>((input) => {
      const t = trail(input.Name);
      return {
        IsLogging: t.logging,
        ...(t.logging ? { LatestDeliveryTime: state.clock.now() } : { StopLoggingTime: state.clock.now() }),
      };
    }),
    GetEventSelectors: op<GetEventSelectorsRequest, GetEventSelectorsResponse>((input) => {
      const t = trail(input.TrailName);
      return t.advancedEventSelectors
        ? { TrailARN: t.arn, AdvancedEventSelectors: t.advancedEventSelectors }
        : {
            TrailARN: t.arn,
            EventSelectors: (t.eventSelectors ?? []).map((s) => ({
              ReadWriteType: (s.ReadWriteType ?? 'All') as 'All' | 'ReadOnly' | 'WriteOnly',
              IncludeManagementEvents: s.IncludeManagementEvents ?? true,
              DataResources: [],
            })),
          };
    }),
  };
}
