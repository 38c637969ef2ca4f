// Simulated Route 53 ListHostedZonesByVPC, for `privatelink-ecs doctor`: the private hosted zones associated
// with a VPC (set with the account's associatePrivateHostedZone knob), paged as the real API pages them.
import type { ListHostedZonesByVPCRequest, ListHostedZonesByVPCResponse } from '@aws-sdk/client-route-53';
import * as route53sdk from '@aws-sdk/client-route-53';
import { type HandlerMap, op, paginate, serviceErrors } from './core';
import type { SimState } from './state';

export const { error: route53Error, throttle: route53Throttle } = serviceErrors(
  route53sdk,
  route53sdk.Route53ServiceException,
  { throttle: { name: 'Throttling', message: 'Rate exceeded', status: 400 } },
);

const PAGE = { min: 1, max: 100, defaultSize: 100 };

export function route53Handlers(state: SimState): HandlerMap {
  return {
    ListHostedZonesByVPC: op<ListHostedZonesByVPCRequest, ListHostedZonesByVPCResponse>((input) => {
      const vpcId = input.VPCId ?? '';
      if (!state.vpcs.has(vpcId) || input.VPCRegion !== state.region) {
        throw route53Error('InvalidVPCId', `The VPC ID ${vpcId} in ${input.VPCRegion ?? ''} is not valid.`);
      }
      const zones = [...state.hostedZones.values()].filter((z) => z.vpcIds.includes(vpcId));
      const page = paginate(zones, input.MaxItems, input.NextToken, PAGE, vpcId, (message) =>
        route53Error('InvalidPaginationToken', message),
      );
      return {
        HostedZoneSummaries: page.items.map((z) => ({
          HostedZoneId: z.id,
          Name: `${z.name.replace(/\.$/, '')}.`,
          Owner: z.owningService ? { OwningService: z.owningService } : { OwningAccount: state.accountId },
        })),
        MaxItems: input.MaxItems ?? PAGE.defaultSize,
        ...(page.nextToken ? { NextToken: page.nextToken } : {}),
      };
    }),
  };
}
