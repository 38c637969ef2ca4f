import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { PrivateLinkEcsFunction } from '../../infra/constructs/function';
import { ConfigError } from '../../shared/errors';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../shared/observability';

const ENTRY = 'test/infra/fixtures/echo-handler.ts';

describe('house Lambda construct', () => {
  let template: Template;
  let assetDir: string;

  beforeAll(() => {
    // Prepare: one bundled (real esbuild) async function and one synchronous inline stand-in
    const app = new App();
    const stack = new Stack(app, 'HouseFunction');
    new PrivateLinkEcsFunction(stack, 'Bundled', {
      entry: ENTRY,
      description: 'bundled for real',
      logRetentionDays: RetentionDays.ONE_YEAR,
      async: true,
      environment: { EXTRA: 'yes' },
    });
    new PrivateLinkEcsFunction(stack, 'Inline', {
      entry: ENTRY,
      description: 'inline stand-in',
      logRetentionDays: RetentionDays.ONE_MONTH,
      timeout: Duration.minutes(5),
      codeMode: 'inline',
    });

    // Act
    const assembly = app.synth();
    template = Template.fromStack(stack);
    assetDir = assembly.directory;
  });

  it('uses the newest Node.js LTS runtime on ARM64 with X-Ray tracing, memory and timeout set', () => {
    // Assess
    template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      MemorySize: 512,
      Timeout: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::Lambda::Function', { Description: 'inline stand-in', Timeout: 300 });
    template.hasResourceProperties('AWS::Lambda::Function', { Description: 'bundled for real', Timeout: 60 });
  });

  it('sets the Powertools environment and enables source maps', () => {
    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'bundled for real',
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
          POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
          POWERTOOLS_LOG_LEVEL: 'INFO',
          NODE_OPTIONS: '--enable-source-maps',
          EXTRA: 'yes',
        },
      },
    });
  });

  it('gives each function its own log group with the configured retention, kept on stack deletion', () => {
    // Assess
    const groups = template.findResources('AWS::Logs::LogGroup');
    expect(
      Object.values(groups)
        .map((g) => g.Properties.RetentionInDays)
        .sort(),
    ).toEqual([30, 365]);
    for (const group of Object.values(groups)) {
      expect(group.DeletionPolicy).toBe('Retain');
      expect(group.Properties.LogGroupName).toBeUndefined();
    }
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'bundled for real',
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^BundledLogGroup') } },
    });
  });

  it('sends failed asynchronous invocations to an encrypted queue, and gives synchronous functions none', () => {
    // Assess
    template.resourceCountIs('AWS::SQS::Queue', 1);
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21600,
      DestinationConfig: {
        OnFailure: {
          Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BundledDeadLetterQueue'), 'Arn'] },
        },
      },
    });
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
    const inline = Object.values(template.findResources('AWS::Lambda::Function')).find(
      (f) => f.Properties.Description === 'inline stand-in',
    );
    expect(inline).toBeDefined();
  });

  it('uses roles without managed policies and hard-codes no physical names', () => {
    // Assess
    template.allResourcesProperties('AWS::IAM::Role', {
      ManagedPolicyArns: Match.absent(),
      RoleName: Match.absent(),
    });
    template.allResourcesProperties('AWS::Lambda::Function', { FunctionName: Match.absent() });
  });

  it('bundles the entry minified with a source map, and the inline stand-in refuses to run', () => {
    // Prepare
    const fn = Object.values(template.findResources('AWS::Lambda::Function')).find(
      (f) => f.Properties.Description === 'bundled for real',
    );
    const assetPath = `asset.${String(fn?.Properties.Code.S3Key).replace(/\.zip$/, '')}`;
    const inline = Object.values(template.findResources('AWS::Lambda::Function')).find(
      (f) => f.Properties.Description === 'inline stand-in',
    );

    // Act
    const code = readFileSync(join(assetDir, assetPath, 'index.js'), 'utf8');

    // Assess
    expect(existsSync(join(assetDir, assetPath, 'index.js.map'))).toBe(true);
    expect(code).toContain('sourceMappingURL=index.js.map');
    expect(code.split('\n').length).toBeLessThan(20);
    expect(inline?.Properties.Code.ZipFile).toContain('stand-in for test/infra/fixtures/echo-handler.ts');
  });

  it.each([
    [{ entry: 'functions/nope/index.ts' }, 'entry functions/nope/index.ts does not exist'],
    [{ description: ' ' }, 'description must not be empty'],
    [{ memorySizeMb: 64 }, 'memorySizeMb must be between 128 and 10240'],
    [{ timeout: Duration.minutes(20) }, 'timeout must be between 1 and 900 seconds'],
  ])('rejects bad props %j with a ConfigError naming the problem', (override, message) => {
    // Act
    const build = () =>
      new PrivateLinkEcsFunction(new Stack(new App(), 'Bad'), 'Fn', {
        entry: ENTRY,
        description: 'ok',
        logRetentionDays: RetentionDays.ONE_YEAR,
        codeMode: 'inline',
        ...override,
      });

    // Assess
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(message);
  });
});
