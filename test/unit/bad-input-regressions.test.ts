// Regressions found by the reliability suite's bad-input fuzzing (test/reliability/fuzz.test.ts).
import { parseConfig } from '../../shared/config';
import { classifyEvent } from '../../shared/events/schemas';
import { parseVpcId } from '../../shared/ids';
import { loadEvent } from '../fixtures/events/load';

describe('bad input found by fuzzing', () => {
  it.each(['vpc-0', 'vpc-0123456', 'vpc-0123456789abcdef01'])(
    'drops a tag-change event whose VPC ARN names the malformed ID %s instead of failing (and retrying) in the trigger',
    (badId) => {
      // Prepare
      const event = loadEvent('tag-change-vpc-opt-in');
      event.resources = [`arn:aws:ec2:us-east-1:123456789012:vpc/${badId}`];

      // Act
      const classified = classifyEvent(event, parseConfig({}));

      // Assess
      expect(classified).toMatchObject({
        ok: false,
        invalidEnvelope: false,
        rule: 'vpc-tag-change',
        reason: 'resources must hold exactly one VPC ARN',
      });
    },
  );

  it('still accepts a tag-change event for a well-formed 8- or 17-digit VPC ID', () => {
    // Prepare
    const short = loadEvent('tag-change-vpc-opt-in');
    short.resources = ['arn:aws:ec2:us-east-1:123456789012:vpc/vpc-0123abcd'];

    // Act
    const results = [
      classifyEvent(loadEvent('tag-change-vpc-opt-in'), parseConfig({})),
      classifyEvent(short, parseConfig({})),
    ];

    // Assess
    expect(results.map((r) => (r.ok && r.intent.kind === 'vpcs' ? r.intent.vpcIds : r))).toEqual([
      ['vpc-0a1b2c3d4e5f60718'],
      ['vpc-0123abcd'],
    ]);
  });

  it('quotes at most 60 characters of a huge rejected VPC ID, so the error stays one readable line', () => {
    // Prepare
    const huge = `vpc-${'x'.repeat(5000)}`;

    // Act
    const attempt = () => parseVpcId(huge, '--vpc-id');

    // Assess
    expect(attempt).toThrow(
      `--vpc-id must be a VPC ID like vpc-0123456789abcdef0, got "vpc-${'x'.repeat(55)}… (5006 characters)`,
    );
  });

  it('quotes a short rejected value whole', () => {
    expect(() => parseVpcId('vpc-123', '--vpc-id')).toThrow(
      '--vpc-id must be a VPC ID like vpc-0123456789abcdef0, got "vpc-123"',
    );
  });
});
