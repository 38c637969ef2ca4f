// Imported first by bench/run.ts, before anything loads shared/observability: the bench prints one table, so
// Powertools metrics (EMF lines on stdout) stay off and the SDK's multi-line Node-version notice is muted.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
