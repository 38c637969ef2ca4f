// The matcher's behaviour, taken from the EventBridge user guide's content-filtering examples
// ("Content filtering in Amazon EventBridge event patterns", "Arrays in event patterns",
// "Comparison operators"), plus the array-of-objects case CloudTrail events need.
import { compilePattern, InvalidPatternError, matchesPattern } from '../../../shared/events/matcher';

const ec2Event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
};

describe('EventBridge pattern matcher: basics', () => {
  it('matches exact values and ignores event fields the pattern does not name', () => {
    // Prepare
    const pattern = {
      source: ['aws.ec2'],
      'detail-type': ['EC2 Instance State-change Notification'],
      detail: { state: ['terminated'] },
    };

    // Act + Assess
    expect(matchesPattern(pattern, ec2Event)).toBe(true);
    expect(matchesPattern({ ...pattern, detail: { state: ['running'] } }, ec2Event)).toBe(false);
  });

  it('ORs the values of one field and ANDs the fields', () => {
    expect(matchesPattern({ source: ['aws.ec2', 'aws.fargate'] }, ec2Event)).toBe(true);
    expect(matchesPattern({ source: ['aws.ec2'], region: ['eu-west-1'] }, ec2Event)).toBe(false);
  });

  it('requires every named field to be present, with the same nesting', () => {
    expect(matchesPattern({ detail: { 'missing-field': ['x'] } }, ec2Event)).toBe(false);
    expect(matchesPattern({ 'instance-id': ['i-1234567890abcdef0'] }, ec2Event)).toBe(false);
  });

  it('compares strings case-sensitively', () => {
    expect(matchesPattern({ source: ['AWS.EC2'] }, ec2Event)).toBe(false);
  });

  it('matches an event array when the pattern list and the array intersect (user guide resources example)', () => {
    // Prepare
    const pattern = {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
      ],
    };
    const matching = {
      resources: [
        'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      ],
    };
    const other = { resources: ['arn:aws:ec2:us-east-1:999999999999:instance/i-b188560f'] };

    // Act + Assess
    expect(matchesPattern(pattern, matching)).toBe(true);
    expect(matchesPattern(pattern, other)).toBe(false);
  });

  it('applies nested keys across every element of an array of objects', () => {
    // Prepare: CloudTrail's CreateTags shape, one call tagging resources of mixed types.
    const event = {
      detail: {
        requestParameters: {
          resourcesSet: { items: [{ resourceId: 'subnet-0f1e2d3c' }, { resourceId: 'vpc-0a1b2c3d' }] },
          tagSet: {
            items: [
              { key: 'Name', value: 'x' },
              { key: 'privatelink-ecs', value: 'enabled' },
            ],
          },
        },
      },
    };
    const pattern = {
      detail: {
        requestParameters: {
          resourcesSet: { items: { resourceId: [{ prefix: 'vpc-' }] } },
          tagSet: { items: { key: ['privatelink-ecs'] } },
        },
      },
    };

    // Act + Assess
    expect(matchesPattern(pattern, event)).toBe(true);
    expect(
      matchesPattern(
        { detail: { requestParameters: { resourcesSet: { items: { resourceId: [{ prefix: 'sg-' }] } } } } },
        event,
      ),
    ).toBe(false);
  });

  it('walks arrays of objects nested inside arrays of objects', () => {
    const event = { items: [{ tags: [{ key: 'a' }] }, { tags: [{ key: 'b' }, { key: 'c' }] }] };
    expect(matchesPattern({ items: { tags: { key: ['c'] } } }, event)).toBe(true);
    expect(matchesPattern({ items: { tags: { key: ['d'] } } }, event)).toBe(false);
  });

  it('matches null and the empty string as values, distinct from a missing field', () => {
    // Prepare
    const event = { detail: { responseElements: null, eventVersion: '' } };

    // Act + Assess
    expect(matchesPattern({ detail: { responseElements: [null] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { eventVersion: [''] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { other: [null] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { eventVersion: [null] } }, event)).toBe(false);
  });

  it('compares numbers numerically and booleans exactly', () => {
    expect(matchesPattern({ detail: { count: [300] } }, { detail: { count: 3.0e2 } })).toBe(true);
    expect(matchesPattern({ detail: { count: [300] } }, { detail: { count: '300' } })).toBe(false);
    expect(matchesPattern({ detail: { on: [true] } }, { detail: { on: true } })).toBe(true);
    expect(matchesPattern({ detail: { on: [true] } }, { detail: { on: 'true' } })).toBe(false);
  });
});

describe('EventBridge pattern matcher: content filters from the user guide', () => {
  it('prefix matches the start of a string (time starting with 2017-10-02)', () => {
    const pattern = { time: [{ prefix: '2017-10-02' }] };
    expect(matchesPattern(pattern, { time: '2017-10-02T18:43:48Z' })).toBe(true);
    expect(matchesPattern(pattern, { time: '2017-10-03T00:00:00Z' })).toBe(false);
  });

  it('prefix with equals-ignore-case matches EventB, EVENTB and eventb', () => {
    const pattern = { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } };
    for (const service of ['EventBridge', 'EVENTBRIDGE', 'eventbus']) {
      expect(matchesPattern(pattern, { detail: { service } })).toBe(true);
    }
    expect(matchesPattern(pattern, { detail: { service: 'Events' } })).toBe(false);
  });

  it('suffix matches file names ending in .png, and ignores case when asked', () => {
    expect(matchesPattern({ FileName: [{ suffix: '.png' }] }, { FileName: 'image.png' })).toBe(true);
    expect(matchesPattern({ FileName: [{ suffix: '.png' }] }, { FileName: 'image.PNG' })).toBe(false);
    expect(
      matchesPattern(
        { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
        { detail: { FileName: 'A.PNG' } },
      ),
    ).toBe(true);
  });

  it('anything-but matches every value except the given string or number', () => {
    const byString = { detail: { state: [{ 'anything-but': 'initializing' }] } };
    const byNumber = { detail: { 'x-limit': [{ 'anything-but': 123 }] } };
    expect(matchesPattern(byString, { detail: { state: 'running' } })).toBe(true);
    expect(matchesPattern(byString, { detail: { state: 'initializing' } })).toBe(false);
    expect(matchesPattern(byNumber, { detail: { 'x-limit': 456 } })).toBe(true);
    expect(matchesPattern(byNumber, { detail: { 'x-limit': 123 } })).toBe(false);
  });

  it('anything-but with a list excludes every listed string or number', () => {
    const strings = { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } };
    const numbers = { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } };
    expect(matchesPattern(strings, { detail: { state: 'initializing' } })).toBe(true);
    expect(matchesPattern(strings, { detail: { state: 'stopped' } })).toBe(false);
    expect(matchesPattern(numbers, { detail: { 'x-limit': 301 } })).toBe(true);
    expect(matchesPattern(numbers, { detail: { 'x-limit': 200 } })).toBe(false);
  });

  it('anything-but needs the field to be present', () => {
    expect(matchesPattern({ detail: { state: [{ 'anything-but': 'initializing' }] } }, { detail: {} })).toBe(
      false,
    );
  });

  it('anything-but on an array matches only when no element is excluded', () => {
    const pattern = { detail: { category: [{ 'anything-but': ['blocked'] }] } };
    expect(matchesPattern(pattern, { detail: { category: ['open', 'blocked'] } })).toBe(false);
    expect(matchesPattern(pattern, { detail: { category: ['open', 'new'] } })).toBe(true);
  });

  it('anything-but with prefix, suffix, equals-ignore-case and wildcard', () => {
    expect(
      matchesPattern(
        { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
        { detail: { state: 'initializing' } },
      ),
    ).toBe(false);
    expect(
      matchesPattern(
        { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
        { detail: { state: 'running' } },
      ),
    ).toBe(true);
    expect(
      matchesPattern(
        { detail: { FileName: [{ 'anything-but': { suffix: '.txt' } }] } },
        { detail: { FileName: 'notes.txt' } },
      ),
    ).toBe(false);
    expect(
      matchesPattern(
        { detail: { FileName: [{ 'anything-but': { suffix: '.txt' } }] } },
        { detail: { FileName: 'a.png' } },
      ),
    ).toBe(true);
    const ignoreCase = {
      detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'OverLoaded'] } }] },
    };
    expect(matchesPattern(ignoreCase, { detail: { state: 'STOPPED' } })).toBe(false);
    expect(matchesPattern(ignoreCase, { detail: { state: 'running' } })).toBe(true);
    const wildcard = { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } };
    expect(matchesPattern(wildcard, { detail: { FilePath: '/usr/lib/x.so' } })).toBe(false);
    expect(matchesPattern(wildcard, { detail: { FilePath: '/usr/bin/x' } })).toBe(true);
  });

  it('numeric matches ranges and equality on JSON numbers only', () => {
    // Prepare: the user guide's example ranges.
    const pattern = {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    };

    // Act + Assess
    expect(matchesPattern(pattern, { detail: { 'c-count': 5, 'd-count': 7, 'x-limit': 301.8 } })).toBe(true);
    expect(matchesPattern(pattern, { detail: { 'c-count': 0, 'd-count': 7, 'x-limit': 301.8 } })).toBe(false);
    expect(matchesPattern(pattern, { detail: { 'c-count': 5, 'd-count': 10, 'x-limit': 301.8 } })).toBe(
      false,
    );
    expect(matchesPattern(pattern, { detail: { 'c-count': '5', 'd-count': 7, 'x-limit': 301.8 } })).toBe(
      false,
    );
  });

  it('exists true matches a present field, exists false an absent one', () => {
    expect(
      matchesPattern({ detail: { state: [{ exists: true }] } }, { detail: { state: 'initializing' } }),
    ).toBe(true);
    expect(matchesPattern({ detail: { state: [{ exists: true }] } }, { detail: {} })).toBe(false);
    expect(matchesPattern({ detail: { state: [{ exists: false }] } }, { detail: {} })).toBe(true);
    expect(matchesPattern({ detail: { state: [{ exists: false }] } }, { detail: { state: 'x' } })).toBe(
      false,
    );
  });

  it('exists applies to leaf values only, so an object-valued field does not count as existing', () => {
    expect(matchesPattern({ detail: { nested: [{ exists: true }] } }, { detail: { nested: { a: 1 } } })).toBe(
      false,
    );
    expect(
      matchesPattern({ detail: { nested: [{ exists: false }] } }, { detail: { nested: { a: 1 } } }),
    ).toBe(true);
  });

  it('equals-ignore-case matches regardless of case', () => {
    const pattern = { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] };
    expect(matchesPattern(pattern, ec2Event)).toBe(true);
    expect(matchesPattern(pattern, { 'detail-type': 'ec2 instance state-change' })).toBe(false);
  });

  it('wildcard matches any run of characters and honours escaped stars', () => {
    const arn = { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] };
    expect(
      matchesPattern(arn, { EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/orders' }),
    ).toBe(true);
    expect(
      matchesPattern(arn, { EventBusArn: 'arn:aws:events:eu-west-1:123456789012:event-bus/orders' }),
    ).toBe(false);
    const escaped = { name: [{ wildcard: 'dir/\\*.png' }] };
    expect(matchesPattern(escaped, { name: 'dir/*.png' })).toBe(true);
    expect(matchesPattern(escaped, { name: 'dir/a.png' })).toBe(false);
  });

  it('cidr matches IPv4 addresses inside the block', () => {
    const pattern = { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } };
    expect(matchesPattern(pattern, { detail: { sourceIPAddress: '10.0.0.255' } })).toBe(true);
    expect(matchesPattern(pattern, { detail: { sourceIPAddress: '10.0.1.0' } })).toBe(false);
  });

  it('$or matches when any alternative does (user guide numeric example)', () => {
    // Prepare
    const pattern = {
      detail: {
        $or: [
          { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
          { 'd-count': [{ numeric: ['<', 10] }] },
          { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
        ],
      },
    };

    // Act + Assess
    expect(matchesPattern(pattern, { detail: { 'd-count': 3 } })).toBe(true);
    expect(matchesPattern(pattern, { detail: { 'x-limit': 301.8 } })).toBe(true);
    expect(matchesPattern(pattern, { detail: { 'c-count': 9, 'd-count': 30 } })).toBe(false);
  });

  it('$or combines with sibling keys by AND', () => {
    const pattern = { source: ['aws.ec2'], $or: [{ region: ['us-west-1'] }, { account: ['000000000000'] }] };
    expect(matchesPattern(pattern, ec2Event)).toBe(true);
    expect(matchesPattern({ ...pattern, source: ['aws.s3'] }, ec2Event)).toBe(false);
  });

  it('combines several filters in one pattern (user guide combined example)', () => {
    // Prepare
    const pattern = {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
      },
    };
    const event = {
      time: '2017-10-02T18:43:48Z',
      detail: { state: 'running', 'c-count': 4, 'd-count': 1, 'x-limit': 150 },
    };

    // Act + Assess
    expect(matchesPattern(pattern, event)).toBe(true);
    expect(matchesPattern(pattern, { ...event, detail: { ...event.detail, 'x-limit': 200 } })).toBe(false);
  });
});

describe('EventBridge pattern matcher: invalid patterns', () => {
  it.each([
    [{ source: 'aws.ec2' }, 'source'],
    [{ source: [] }, 'source'],
    [{ detail: { state: [{ contains: 'x' }] } }, 'detail.state'],
    [{ detail: { n: [{ numeric: ['>', 'five'] }] } }, 'detail.n'],
    [{ detail: { n: [{ numeric: ['>', 1, '<'] }] } }, 'detail.n'],
    [{ detail: { f: [{ exists: 'yes' }] } }, 'detail.f'],
    [{ $or: [{ a: ['x'] }] }, '$or'],
    [{ f: [{ wildcard: 'a**b' }] }, 'f'],
  ])('rejects %j, naming %s', (pattern, where) => {
    // Act + Assess
    expect(() => compilePattern(pattern)).toThrow(InvalidPatternError);
    expect(() => compilePattern(pattern)).toThrow(where);
  });
});
