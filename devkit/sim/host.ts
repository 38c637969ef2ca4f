// How the simulated account runs an aws:runShellScript step on a Linux container instance: the real script
// under the real `bash`, in a temp directory whose PATH holds only stand-in `systemctl` and `docker` scripts
// for the instance's host profile and a few coreutils. A command the host does not have is "command not
// found" (127), so a script is never judged successful by accident. The stand-ins record a restart of the ECS
// agent in a file the run reads back.
//
// Runs are deterministic (the stand-ins answer from the profile alone), so one run per script and profile is
// cached: a fleet of thousands of instances costs a handful of bash processes.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  constants,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface HostProfile {
  /** systemctl exists and the ECS agent is the `ecs` systemd unit (Amazon Linux 2/2023). */
  systemd: boolean;
  /** The agent runs as the Docker container `ecs-agent` (every ECS-optimized Linux AMI). */
  agentContainer: boolean;
  /** Restarting the unit or the container fails (a broken ecs-init, a wedged Docker daemon). */
  failing?: boolean;
}

export interface ScriptRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** A stand-in restarted the ECS agent (systemctl restart ecs, docker restart ecs-agent). */
  restartedAgent: boolean;
  /** The script ran past the timeout and was killed. */
  timedOut: boolean;
}

export interface RunOptions {
  /** Wall-clock limit for one run; the simulated account uses a few seconds, never the document's 120. */
  timeoutMs?: number;
}

/** Coreutils the stand-in host offers besides the stand-ins; everything else is "command not found". */
const COREUTILS = ['grep', 'cat', 'sleep', 'head', 'tail', 'sed', 'tr', 'cut', 'date', 'true', 'false'];
const DEFAULT_TIMEOUT_MS = 5_000;
/** GNU timeout's exit status when it had to stop the command. */
const TIMEOUT_STATUS = 124;

const RESTART_MARK = 'restarted-ecs-agent';

function standInSystemctl(failing: boolean): string {
  return `#!/bin/bash
# Stand-in systemctl: systemd manages the ECS agent as the ecs unit.
unit="\${2:-}"
case "$unit" in ecs|ecs.service) ecs=1 ;; *) ecs=0 ;; esac
case "\${1:-}" in
  list-unit-files)
    printf 'UNIT FILE STATE PRESET\\n'
    if [ "$ecs" = 1 ]; then printf 'ecs.service enabled disabled\\n\\n1 unit files listed.\\n'; exit 0; fi
    printf '\\n0 unit files listed.\\n'; exit 1 ;;
  is-active)
    if [ "$ecs" = 1 ]; then echo active; exit 0; fi
    echo inactive; exit 3 ;;
  restart|start)
    if [ "$ecs" != 1 ]; then echo "Failed to $1 $unit: Unit $unit not found." >&2; exit 5; fi
    ${
      failing
        ? `echo "Job for ecs.service failed because the control process exited with error code." >&2
    echo "See \\"systemctl status ecs.service\\" and \\"journalctl -xeu ecs.service\\" for details." >&2
    exit 1 ;;`
        : `echo ${RESTART_MARK} >>"$SIM_RESTARTS"
    exit 0 ;;`
    }
  *) echo "systemctl stand-in: unsupported: $*" >&2; exit 1 ;;
esac
`;
}

function standInDocker(agentContainer: boolean, failing: boolean): string {
  return `#!/bin/bash
# Stand-in docker: ${agentContainer ? 'the ECS agent runs as the ecs-agent container' : 'no ecs-agent container'}.
name="\${2:-}"
agent=${agentContainer ? 1 : 0}
case "\${1:-}" in
  inspect)
    if [ "$agent" = 1 ] && [ "$name" = ecs-agent ]; then echo '[{"Name": "/ecs-agent"}]'; exit 0; fi
    echo '[]'; echo "Error: No such object: $name" >&2; exit 1 ;;
  restart)
    if [ "$agent" != 1 ] || [ "$name" != ecs-agent ]; then
      echo "Error response from daemon: No such container: $name" >&2; exit 1
    fi
    ${
      failing
        ? `echo "Error response from daemon: Cannot restart container ecs-agent: driver failed programming external connectivity" >&2
    exit 1 ;;`
        : `echo ${RESTART_MARK} >>"$SIM_RESTARTS"
    echo ecs-agent; exit 0 ;;`
    }
  *) echo "docker stand-in: unsupported: $*" >&2; exit 1 ;;
esac
`;
}

/** The first executable of that name on the test process's PATH. */
function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

let root: string | undefined;
const hostDirs = new Map<string, string>();
const cache = new Map<string, ScriptRun>();
let tools: { bash: string; timeout: string; coreutils: Map<string, string> } | undefined;

function toolPaths(): NonNullable<typeof tools> {
  if (tools) return tools;
  const bash = which('bash');
  const timeout = which('timeout');
  if (!bash || !timeout) {
    throw new Error('simulated host: bash and coreutils timeout must be on PATH to run a restart script');
  }
  const coreutils = new Map<string, string>();
  for (const name of COREUTILS) {
    const path = which(name);
    if (path) coreutils.set(name, path);
  }
  tools = { bash, timeout, coreutils };
  return tools;
}

function rootDir(): string {
  if (!root) {
    const dir = mkdtempSync(join(tmpdir(), 'privatelink-ecs-host-'));
    root = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return root;
}

function profileKey(host: HostProfile): string {
  return `${host.systemd ? 'systemd' : 'nosystemd'}-${host.agentContainer ? 'agent' : 'noagent'}-${host.failing ? 'failing' : 'ok'}`;
}

/** A directory with bin/ (the stand-ins and the coreutils) for one host profile, made once. */
function hostDir(host: HostProfile): string {
  const key = profileKey(host);
  const existing = hostDirs.get(key);
  if (existing) return existing;
  const dir = join(rootDir(), key);
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const [name, path] of toolPaths().coreutils) symlinkSync(path, join(bin, name));
  const write = (name: string, text: string) => {
    writeFileSync(join(bin, name), text);
    chmodSync(join(bin, name), 0o755);
  };
  // Docker is on every ECS Linux host; systemctl only where systemd runs.
  write('docker', standInDocker(host.agentContainer, host.failing ?? false));
  if (host.systemd) write('systemctl', standInSystemctl(host.failing ?? false));
  hostDirs.set(key, dir);
  return dir;
}

/** Runs the script's lines, as one file, under real bash on a stand-in host of that profile. */
export function runScriptOnHost(
  lines: readonly string[],
  host: HostProfile,
  options: RunOptions = {},
): ScriptRun {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const script = `${lines.join('\n')}\n`;
  const digest = createHash('sha256').update(script).digest('hex').slice(0, 16);
  const key = `${profileKey(host)}/${digest}/${timeoutMs}`;
  const hit = cache.get(key);
  if (hit) return { ...hit };

  const { bash, timeout } = toolPaths();
  const dir = hostDir(host);
  const runDir = mkdtempSync(join(dir, 'run-'));
  const scriptPath = join(runDir, '_script.sh');
  const restarts = join(runDir, 'restarts');
  writeFileSync(scriptPath, script);
  writeFileSync(restarts, '');
  const seconds = Math.max(0.1, timeoutMs / 1000).toFixed(1);
  const child = spawnSync(timeout, ['-k', '1', seconds, bash, '--noprofile', '--norc', scriptPath], {
    cwd: runDir,
    env: { PATH: join(dir, 'bin'), HOME: runDir, LC_ALL: 'C', SIM_RESTARTS: restarts },
    encoding: 'utf8',
    timeout: timeoutMs + 5_000,
  });
  const restartedAgent = readFileSync(restarts, 'utf8').includes(RESTART_MARK);
  rmSync(runDir, { recursive: true, force: true });
  if (child.error) throw child.error;
  const timedOut = child.status === TIMEOUT_STATUS || child.status === 137 || child.signal !== null;
  const run: ScriptRun = {
    exitCode: child.status ?? -1,
    stdout: child.stdout,
    // bash names the script by its path; SSM's is the same kind of path, so keep it short and stable.
    stderr: child.stderr.split(scriptPath).join('_script.sh'),
    restartedAgent,
    timedOut,
  };
  cache.set(key, run);
  return { ...run };
}
