// Jest global setup for the integration suite: make sure a moto server is listening on loopback.
// CI (.ci/run) starts one itself and passes MOTO_URL; locally we start our own on a free port.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

const MOTO_INSTALL_HINT = "moto_server not found on PATH: install it with pip install 'moto[server]'";

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

export interface MotoServer {
  url: string;
  process: ChildProcess;
}

/** Starts moto_server on a free loopback port and waits until it answers; undefined when moto is missing. */
export async function startMotoServer(): Promise<MotoServer | undefined> {
  const probe = spawnSync('moto_server', ['--help'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) return undefined;
  const port = await freePort();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForMoto(url);
  } catch (err) {
    child.kill('SIGTERM');
    throw err;
  }
  return { url, process: child };
}

export default async function globalSetup(): Promise<void> {
  if (process.env.MOTO_URL) {
    await waitForMoto(process.env.MOTO_URL);
    return;
  }
  const moto = await startMotoServer();
  if (!moto) {
    process.stderr.write(`\n${MOTO_INSTALL_HINT}\n`);
    process.exit(1);
  }
  (globalThis as { __MOTO__?: ChildProcess }).__MOTO__ = moto.process;
  process.env.MOTO_URL = moto.url;
}
