// Integration tests talk to moto through the SDK's standard endpoint variable; nothing else changes.
if (!process.env.MOTO_URL) {
  throw new Error('MOTO_URL is not set: the integration suite must run with its jest global setup');
}
process.env.AWS_ENDPOINT_URL = process.env.MOTO_URL;
process.env.AWS_MAX_ATTEMPTS = '1';
