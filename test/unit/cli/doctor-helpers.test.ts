// Pure parts of `privatelink-ecs doctor`: how checks become SimulatePrincipalPolicy requests, and how a trail's
// event selectors are read.
import { logsManagementWrites } from '../../../bin/lib/doctor/checks';
import { type CheckEntry, contextEntries, simulationRequests } from '../../../bin/lib/doctor/iam';

const entry = (action: string, resource: string, context: CheckEntry['context'] = {}): CheckEntry => ({
  functionId: 'WorkflowStartBatch',
  operation: 'ssm:SendCommand',
  why: 'test',
  action,
  kind: 'call',
  resource,
  resourceType: undefined,
  context,
});

describe('simulationRequests', () => {
  it('never puts resources whose contexts differ in one request, and merges those that need the same actions under the same context', () => {
    // Prepare: two instances tagged alike, one tagged otherwise, and the document
    const tagged = { 'aws:ResourceTag/team': 'payments' };
    const entries = [
      entry('ssm:SendCommand', 'arn:aws:ec2:us-east-1:1:instance/i-1', tagged),
      entry('ssm:SendCommand', 'arn:aws:ec2:us-east-1:1:instance/i-2', tagged),
      entry('ssm:SendCommand', 'arn:aws:ec2:us-east-1:1:instance/i-3', { 'aws:ResourceTag/team': 'batch' }),
      entry('ssm:SendCommand', 'arn:aws:ssm:us-east-1:1:document/restart'),
      entry('ec2:RebootInstances', 'arn:aws:ec2:us-east-1:1:instance/i-1', tagged),
    ];

    // Act
    const requests = simulationRequests(entries);

    // Assess: i-1 needs two actions, so it is not merged with i-2 (which needs one)
    expect(requests.map((r) => [r.actions, r.resources, r.context])).toEqual([
      [['ec2:RebootInstances', 'ssm:SendCommand'], ['arn:aws:ec2:us-east-1:1:instance/i-1'], tagged],
      [['ssm:SendCommand'], ['arn:aws:ec2:us-east-1:1:instance/i-2'], tagged],
      [['ssm:SendCommand'], ['arn:aws:ec2:us-east-1:1:instance/i-3'], { 'aws:ResourceTag/team': 'batch' }],
      [['ssm:SendCommand'], ['arn:aws:ssm:us-east-1:1:document/restart'], {}],
    ]);
  });

  it('sends list values as stringList and single values as string', () => {
    // Act
    const entries = contextEntries({ 'aws:TagKeys': ['a', 'b'], 'ec2:Region': 'us-east-1' });

    // Assess
    expect(entries).toEqual([
      { ContextKeyName: 'aws:TagKeys', ContextKeyValues: ['a', 'b'], ContextKeyType: 'stringList' },
      { ContextKeyName: 'ec2:Region', ContextKeyValues: ['us-east-1'], ContextKeyType: 'string' },
    ]);
  });
});

describe('logsManagementWrites', () => {
  it.each([
    ['the default (no selectors)', true, {}],
    [
      'basic, all management events',
      true,
      { EventSelectors: [{ ReadWriteType: 'All' as const, IncludeManagementEvents: true }] },
    ],
    [
      'basic, read-only',
      false,
      { EventSelectors: [{ ReadWriteType: 'ReadOnly' as const, IncludeManagementEvents: true }] },
    ],
    [
      'basic, data events only',
      false,
      { EventSelectors: [{ ReadWriteType: 'All' as const, IncludeManagementEvents: false }] },
    ],
    [
      'advanced, management events',
      true,
      { AdvancedEventSelectors: [{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] }] },
    ],
    [
      'advanced, read-only management events',
      false,
      {
        AdvancedEventSelectors: [
          {
            FieldSelectors: [
              { Field: 'eventCategory', Equals: ['Management'] },
              { Field: 'readOnly', Equals: ['true'] },
            ],
          },
        ],
      },
    ],
    [
      'advanced, management events except EC2',
      false,
      {
        AdvancedEventSelectors: [
          {
            FieldSelectors: [
              { Field: 'eventCategory', Equals: ['Management'] },
              { Field: 'eventSource', NotEquals: ['ec2.amazonaws.com'] },
            ],
          },
        ],
      },
    ],
    [
      'advanced, data events only',
      false,
      { AdvancedEventSelectors: [{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Data'] }] }] },
    ],
  ])('%s: logs management writes is %s', (_name, expected, selectors) => {
    // Act + Assess
    expect(logsManagementWrites(selectors)).toBe(expected);
  });
});
