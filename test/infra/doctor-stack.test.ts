// `privatelink-ecs doctor` finds the function roles of a deployed stack by their CloudFormation logical ids and
// reads the config from the template. These run its readers on the template the CDK app synthesizes, so a
// change of construct ids or of how the config reaches the functions fails here, not in an operator's account.

import { callsOf, triggerFunctionIds } from '../../bin/lib/doctor/calls';
import { configFromTemplate, functionRoles } from '../../bin/lib/doctor/stack';
import { parseConfig } from '../../shared/config';
import { synthStack } from './support';

describe('doctor on the synthesized stack', () => {
  it('maps every function role of the template to its function, and nothing else', () => {
    // Prepare
    const { stack, template } = synthStack();
    const resources = Object.entries(template.toJSON().Resources as Record<string, { Type: string }>).map(
      ([id, r]) => ({ LogicalResourceId: id, ResourceType: r.Type, PhysicalResourceId: `physical-${id}` }),
    );

    // Act
    const roles = functionRoles(resources, (name) => `arn:aws:iam::123456789012:role/${name}`);

    // Assess: one role per function (the state machine's role is not one), each the function's own
    expect(roles.map((r) => r.functionId).sort()).toEqual([...stack.resources.functions.keys()].sort());
    for (const role of roles) {
      const fn = stack.resources.functions.get(role.functionId)!;
      expect(role.roleName).toBe(`physical-${stack.getLogicalId(fn.role.node.defaultChild as never)}`);
    }
  });

  it('reads the deployed config back from the template, and knows the calls of every function', () => {
    // Prepare
    const config = parseConfig({
      restart: { agentUpdate: true, fallback: 'reboot' },
      teardownOnOptOut: true,
    });
    const { stack, template } = synthStack(config);

    // Act
    const read = configFromTemplate(JSON.stringify(template.toJSON()));

    // Assess
    expect(read).toEqual(config);
    expect(triggerFunctionIds(config).every((id) => stack.resources.functions.has(id))).toBe(true);
    const world = {
      config,
      vpcId: 'vpc-0123456789abcdef0',
      partition: 'aws',
      region: 'us-east-1',
      account: '123456789012',
      tableName: 't',
      documentName: 'd',
      stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:sm',
      reconciler: [],
      endpoints: [],
      plannedEndpointIds: [],
      fleet: [],
    };
    const unknown = [...stack.resources.functions.keys()].filter((id) => callsOf(id, world) === undefined);
    expect(unknown).toEqual([]);
  });
});
