// Loaded before every test file: a deterministic, offline AWS environment.

// Powertools idempotency refuses to run without a function name.
process.env.AWS_LAMBDA_FUNCTION_NAME ??= 'privatelink-ecs-test';
process.env.AWS_REGION = 'us-east-1';
process.env.AWS_ACCESS_KEY_ID = 'testing';
process.env.AWS_SECRET_ACCESS_KEY = 'testing';
process.env.AWS_MAX_ATTEMPTS ??= '1';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
delete process.env.AWS_PROFILE;
delete process.env.AWS_ENDPOINT_URL;
