// The read-only planning role every member stack provides (plannerRoleName(region)), assumed from the hub by
// `privatelink-ecs plan --org`: exactly the reads the planner's inventory makes, nothing else.
import type { PermissionDeclaration } from '../permissions';
import { INVENTORY_PERMISSIONS } from '../reconciler/inventory';

export const PLANNER_PERMISSIONS: PermissionDeclaration[] = INVENTORY_PERMISSIONS.map((d) => ({
  ...d,
  sid: `Planner${d.sid.replace(/^Reconciler/, '')}`,
  reason: `plan --org: ${d.reason}`,
}));

/** The hub's roll-up function: read a row, write it back conditionally (shared/org/rollup.ts applyRollupEvent). */
export const ROLLUP_PERMISSIONS: PermissionDeclaration[] = [
  {
    sid: 'RollupReadWriteRow',
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
    resources: ['{tableArn}'],
    reason:
      'Reads a roll-up row and writes it back on the revision read (applyRollupEvent), in the roll-up table only',
  },
];
