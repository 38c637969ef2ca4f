// The two backends every contract case runs against: moto (through AWS_ENDPOINT_URL) and the simulated
// account. A case written once must pass on both; where they model different things the hooks below say so.

import { SimulatedAccount } from '../../../devkit/sim';
import { type AwsClients, createAwsClients } from '../../../shared/clients';
import { resetMoto } from '../../support/moto';

export interface ContractTarget {
  clients: AwsClients;
  /** Real EC2 instances are not SSM-managed until their agent registers; moto treats every instance as managed. */
  markSsmManaged(instanceIds: string[]): void;
}

export type TargetFactory = () => Promise<ContractTarget>;

export const TARGETS: Array<[string, TargetFactory]> = [
  [
    'moto',
    async () => {
      await resetMoto();
      return { clients: createAwsClients({ maxAttempts: 1 }), markSsmManaged: () => undefined };
    },
  ],
  [
    'sim',
    async () => {
      const account = new SimulatedAccount();
      return {
        clients: account.clients({ maxAttempts: 1 }),
        markSsmManaged: (ids) => {
          for (const id of ids) account.setSsmManaged(id, true);
        },
      };
    },
  ],
];
