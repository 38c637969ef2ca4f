import { configFromEnv, parseConfig } from '../../shared/config';
import { ConfigError } from '../../shared/errors';

describe('configuration schema', () => {
  it('applies the documented defaults to an empty object', () => {
    // Act
    const config = parseConfig({});

    // Assess
    expect(config.optInTag).toEqual({ key: 'privatelink-ecs', value: 'enabled' });
    expect(config.interfaceServices).toEqual(['ecr.api', 'ecr.dkr', 'ecs-agent', 'ecs-telemetry', 'ecs']);
    expect(config.ssmEndpoints).toBe('auto');
    expect(config.s3Gateway).toBe('auto');
    expect(config.subnets).toBe('private');
    expect(config.restart.maxConcurrency).toBe('10%');
    expect(config.sweep).toEqual({ enabled: true, schedule: 'rate(6 hours)' });
  });

  it.each([
    [{ ssmEndpoints: 'sometimes' }, 'ssmEndpoints'],
    [{ s3Gateway: 'yes' }, 's3Gateway: must be "auto", "always" or "never"'],
    [{ s3Gateway: 1 }, 's3Gateway'],
    [{ subnets: ['subnet-zz'] }, 'subnets.0'],
    [{ restart: { fallback: 'explode' } }, 'restart.fallback'],
    [{ sweep: { schedule: 'every day' } }, 'sweep.schedule'],
    [{ logRetentionDays: 2 }, 'logRetentionDays'],
    [{ unknownKey: true }, '(root)'],
  ])('rejects %j with an error that names %s', (raw, field) => {
    // Act + Assess
    expect(() => parseConfig(raw)).toThrow(ConfigError);
    expect(() => parseConfig(raw)).toThrow(field);
  });

  it.each([
    ['auto', 'auto'],
    ['always', 'always'],
    ['never', 'never'],
    // The booleans of earlier versions: true never becomes "always", so no NAT route table is added by surprise.
    [true, 'auto'],
    [false, 'never'],
  ])('reads s3Gateway %j as %j', (raw, expected) => {
    // Act
    const config = parseConfig({ s3Gateway: raw });

    // Assess
    expect(config.s3Gateway).toBe(expected);
  });

  it('reads the Lambda configuration from PRIVATELINK_ECS_CONFIG and names bad JSON', () => {
    // Prepare
    const env = { PRIVATELINK_ECS_CONFIG: '{"teardownOnOptOut": true}' };

    // Act
    const config = configFromEnv(env);

    // Assess
    expect(config.teardownOnOptOut).toBe(true);
    expect(() => configFromEnv({ PRIVATELINK_ECS_CONFIG: '{' })).toThrow(
      'PRIVATELINK_ECS_CONFIG is not valid JSON',
    );
  });

  describe('organization', () => {
    const valid = {
      id: 'o-a1b2c3d4e5',
      targets: ['ou-ab12-cd34ef56', 'r-ab12'],
      regions: ['eu-west-1', 'us-gov-west-1'],
    };

    it('is absent by default and takes its defaults when present', () => {
      // Act
      const without = parseConfig({});
      const withOrg = parseConfig({ organization: valid });

      // Assess
      expect(without.organization).toBeUndefined();
      expect(withOrg.organization).toEqual({ ...valid, excludeAccounts: [], delegatedAdmin: true });
    });

    it.each([
      [{ ...valid, id: 'o-short' }, 'organization.id: must be an organization id'],
      [{ ...valid, id: 'O-A1B2C3D4E5' }, 'organization.id'],
      [{ ...valid, targets: [] }, 'organization.targets: must name at least one OU or root'],
      [{ ...valid, targets: ['ou-1'] }, 'organization.targets.0: must be an OU id'],
      [{ ...valid, regions: [] }, 'organization.regions: must name at least one region'],
      [{ ...valid, regions: ['eu-west-1', 'Europe'] }, 'organization.regions.1: must be a region name'],
      [
        { ...valid, excludeAccounts: ['1234'] },
        'organization.excludeAccounts.0: must be a 12-digit account id',
      ],
      [{ ...valid, assetBucketPrefix: 'Assets_' }, 'organization.assetBucketPrefix'],
      [{ ...valid, hubAccount: '111122223333' }, 'organization: Unrecognized key'],
      [{ id: 'o-a1b2c3d4e5', regions: ['eu-west-1'] }, 'organization.targets'],
    ])('rejects %j naming the field', (organization, message) => {
      // Act
      let error: unknown;
      try {
        parseConfig({ organization });
      } catch (err) {
        error = err;
      }

      // Assess
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain(message);
      expect((error as ConfigError).context.field).toMatch(/^organization/);
    });
  });
});
