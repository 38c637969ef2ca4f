// The clients `privatelink-ecs doctor` reads with: the operator's credentials through the SDK's standard chain,
// the CLI's retry budget (AWS_MAX_ATTEMPTS, default 5, the SDK's backoff on throttling). Nothing here writes.
import { clientConfig } from '../../../shared/clients';
import { type DoctorClients, makeDoctorClients } from '../../../shared/doctor-clients';

export type { DoctorClients };

/**
 * Test seam: when set, makes the doctor's clients instead of the SDK chain (the tests answer them from the
 * simulated account). Unset in normal use; nothing else reads it.
 */
export const doctorClientHooks: { make?: (region?: string) => DoctorClients } = {};

export function createDoctorClients(region?: string): DoctorClients {
  if (doctorClientHooks.make) return doctorClientHooks.make(region);
  return makeDoctorClients(clientConfig(region ? { region } : {}));
}

export function destroyDoctorClients(clients: DoctorClients): void {
  for (const client of Object.values(clients)) client.destroy();
}
