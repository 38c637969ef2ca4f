// Jest global setup for the integration suite: make sure a moto server is listening on loopback.
// CI (.ci/run) starts one itself and passes MOTO_URL; locally we start our own on a free port.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

const INSTALL_HINT = "moto_server not found on PATH: install it with pip install 'moto[server]'";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function waitForMoto(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/moto-api/`);
      if (res.ok) return;
      lastError = new Error(`HTTP ${res.status}`);
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`moto at ${url} did not answer within ${timeoutMs} ms: ${String(lastError)}`);
}

export default async function globalSetup(): Promise<void> {
  if (process.env.MOTO_URL) {
    await waitForMoto(process.env.MOTO_URL);
    return;
  }
  const probe = spawnSync('moto_server', ['--help'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    process.stderr.write(`\n${INSTALL_HINT}\n`);
    process.exit(1);
  }
  const port = await freePort();
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
    detached: false,
  });
  (globalThis as { __MOTO__?: ChildProcess }).__MOTO__ = child;
  process.env.MOTO_URL = `http://127.0.0.1:${port}`;
  await waitForMoto(process.env.MOTO_URL);
}
