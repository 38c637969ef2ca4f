// A small model of how an ECS container instance runs an aws:runShellScript step. It follows the script's
// control flow (set -e, if/elif/else/fi, &&, ||, !, pipes into grep, exit) and answers the handful of commands
// an agent-restart script uses from the instance's facts: whether the OS has systemd (and so an `ecs` unit),
// and whether the agent runs as the `ecs-agent` Docker container. A command the model does not know is
// "command not found" (127), so a script is never judged successful by accident.

export interface ShellHost {
  /** systemctl exists and the ECS agent is the `ecs` systemd unit (Amazon Linux 2/2023). */
  systemd: boolean;
  /** The agent runs as the Docker container `ecs-agent` (every ECS-optimized Linux AMI). */
  agentContainer: boolean;
}

export interface ShellResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The script restarted the ECS agent (systemctl restart ecs, docker restart ecs-agent, upstart). */
  restartedAgent: boolean;
}

const SCRIPT_PATH = '/var/lib/amazon/ssm/_script.sh';
const COREUTILS = new Set(['echo', 'grep', 'true', 'false', 'sleep', 'set', 'exit', 'command', 'test']);

class ExitSignal {
  public constructor(public readonly code: number) {}
}

interface Io {
  code: number;
  out: string;
  err: string;
}

/** Splits on a separator that is outside quotes. */
function splitOutside(text: string, sep: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      current += ch;
    } else if (
      text.startsWith(sep, i) &&
      !(sep === '|' && text[i + 1] === '|') &&
      !(sep === '|' && text[i - 1] === '|')
    ) {
      parts.push(current);
      current = '';
      i += sep.length - 1;
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

/** Words of a simple command, quotes removed. */
function words(text: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const m of text.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

/** Statements, one per line or `;`, with comments dropped and `then X` / `else X` split into two. */
function statements(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const code = line.trim().startsWith('#') ? '' : line;
    for (const raw of splitOutside(code, ';')) {
      const s = raw.trim();
      if (!s) continue;
      const m = /^(then|else|do)\s+(.+)$/.exec(s);
      if (m) out.push(m[1]!, m[2]!);
      else out.push(s);
    }
  }
  return out;
}

export function runShellScript(lines: readonly string[], host: ShellHost): ShellResult {
  const stmts = statements(lines);
  let errexit = false;
  let restartedAgent = false;
  let stdout = '';
  let stderr = '';

  const notFound = (name: string): Io => ({
    code: 127,
    out: '',
    err: `${SCRIPT_PATH}: line 1: ${name}: command not found\n`,
  });

  function available(name: string): boolean {
    if (name === 'systemctl') return host.systemd;
    if (name === 'docker') return host.agentContainer;
    if (['start', 'stop', 'restart', 'initctl'].includes(name)) return !host.systemd;
    return COREUTILS.has(name);
  }

  function simple(text: string, stdin: string): Io {
    const all = words(text);
    const redirects = all.filter((w) => /^(\d|&)?>&?\S+$/.test(w));
    const [name = '', ...args] = all.filter((w) => !redirects.includes(w));
    const io = available(name) ? builtin(name, args, stdin) : notFound(name);
    let { out, err } = io;
    // Applied left to right, as the shell does: `>/dev/null 2>&1` silences both.
    let outTarget: 'out' | 'err' | 'null' = 'out';
    let errTarget: 'out' | 'err' | 'null' = 'err';
    for (const r of redirects) {
      if (r === '>&2' || r === '1>&2') outTarget = 'err';
      else if (r === '>/dev/null' || r === '1>/dev/null') outTarget = 'null';
      else if (r === '2>/dev/null') errTarget = 'null';
      else if (r === '2>&1') errTarget = outTarget;
      else if (r === '&>/dev/null') {
        outTarget = 'null';
        errTarget = 'null';
      }
    }
    const routed = { out: '', err: '', null: '' };
    routed[outTarget] += out;
    routed[errTarget] += err;
    out = routed.out;
    err = routed.err;
    return { code: io.code, out, err };
  }

  function builtin(name: string, args: string[], stdin: string): Io {
    switch (name) {
      case 'true':
      case 'sleep':
        return { code: 0, out: '', err: '' };
      case 'false':
        return { code: 1, out: '', err: '' };
      case 'echo':
        return { code: 0, out: `${args.join(' ')}\n`, err: '' };
      case 'set':
        if (args.some((a) => /^-[a-z]*e/.test(a))) errexit = true;
        return { code: 0, out: '', err: '' };
      case 'exit':
        throw new ExitSignal(Number(args[0] ?? 0));
      case 'command':
        if (args[0] === '-v' && args[1]) {
          return available(args[1])
            ? { code: 0, out: `/usr/bin/${args[1]}\n`, err: '' }
            : { code: 1, out: '', err: '' };
        }
        return { code: 2, out: '', err: 'command: usage\n' };
      case 'grep': {
        const quiet = args.includes('-q');
        const pattern = args.filter((a) => !a.startsWith('-'))[0] ?? '';
        const matched = stdin.split('\n').filter((l) => l && new RegExp(pattern).test(l));
        return {
          code: matched.length ? 0 : 1,
          out: quiet ? '' : matched.map((l) => `${l}\n`).join(''),
          err: '',
        };
      }
      case 'systemctl': {
        const [verb, unit = ''] = args;
        const ecs = /^ecs(\.service)?$/.test(unit);
        if (verb === 'list-unit-files') {
          return ecs
            ? { code: 0, out: 'UNIT FILE   STATE   PRESET\necs.service enabled disabled\n', err: '' }
            : { code: 1, out: '0 unit files listed.\n', err: '' };
        }
        if ((verb === 'restart' || verb === 'start') && ecs) {
          restartedAgent = true;
          return { code: 0, out: '', err: '' };
        }
        if (verb === 'is-active' && ecs) return { code: 0, out: 'active\n', err: '' };
        return { code: 5, out: '', err: `Failed to ${verb} ${unit}: Unit ${unit} not found.\n` };
      }
      case 'docker': {
        const [verb, target = ''] = args;
        if (verb === 'inspect' || verb === 'restart') {
          if (target !== 'ecs-agent') {
            return { code: 1, out: '', err: `Error: No such container: ${target}\n` };
          }
          if (verb === 'restart') restartedAgent = true;
          return { code: 0, out: verb === 'restart' ? 'ecs-agent\n' : '[{"Name": "/ecs-agent"}]\n', err: '' };
        }
        return { code: 0, out: '', err: '' };
      }
      case 'start':
      case 'restart':
        if (args[0] === 'ecs') {
          restartedAgent = true;
          return { code: 0, out: `ecs start/running, process 4242\n`, err: '' };
        }
        return { code: 1, out: '', err: `${name}: Unknown job: ${args[0] ?? ''}\n` };
      default:
        return { code: 0, out: '', err: '' };
    }
  }

  function pipeline(text: string): Io {
    const negate = /^!\s+/.test(text);
    const body = negate ? text.replace(/^!\s+/, '') : text;
    let io: Io = { code: 0, out: '', err: '' };
    let err = '';
    for (const part of splitOutside(body, '|')) {
      io = simple(part.trim(), io.out);
      err += io.err;
    }
    return { code: negate ? (io.code === 0 ? 1 : 0) : io.code, out: io.out, err };
  }

  /** `a && b || c`, left to right as the shell does. */
  function list(text: string): Io {
    const tokens: Array<{ op?: '&&' | '||'; cmd: string }> = [];
    let rest = text;
    let op: '&&' | '||' | undefined;
    while (rest.length) {
      const and = splitOutside(rest, '&&');
      const or = splitOutside(rest, '||');
      const firstAnd = and.length > 1 ? and[0]!.length : Number.POSITIVE_INFINITY;
      const firstOr = or.length > 1 ? or[0]!.length : Number.POSITIVE_INFINITY;
      if (firstAnd === Number.POSITIVE_INFINITY && firstOr === Number.POSITIVE_INFINITY) {
        tokens.push({ ...(op ? { op } : {}), cmd: rest.trim() });
        break;
      }
      const useAnd = firstAnd < firstOr;
      const cut = useAnd ? firstAnd : firstOr;
      tokens.push({ ...(op ? { op } : {}), cmd: rest.slice(0, cut).trim() });
      op = useAnd ? '&&' : '||';
      rest = rest.slice(cut + 2);
    }
    let last: Io = { code: 0, out: '', err: '' };
    for (const t of tokens) {
      if (t.op === '&&' && last.code !== 0) continue;
      if (t.op === '||' && last.code === 0) continue;
      last = pipeline(t.cmd);
      stdout += last.out;
      stderr += last.err;
    }
    return last;
  }

  /** Runs stmts[from, to); returns the last status. `inCondition` turns off set -e, as the shell does. */
  function block(from: number, to: number): number {
    let status = 0;
    let i = from;
    while (i < to) {
      const s = stmts[i]!;
      if (s.startsWith('if ')) {
        const end = matchingFi(i, to);
        status = ifStatement(i, end);
        i = end + 1;
        continue;
      }
      const io = list(s);
      status = io.code;
      const isList = /&&|\|\|/.test(s) || /^!\s/.test(s);
      if (errexit && status !== 0 && !isList) throw new ExitSignal(status);
      i++;
    }
    return status;
  }

  function matchingFi(start: number, to: number): number {
    let depth = 0;
    for (let i = start; i < to; i++) {
      if (stmts[i]!.startsWith('if ')) depth++;
      else if (stmts[i] === 'fi') {
        depth--;
        if (depth === 0) return i;
      }
    }
    throw new Error('simulated shell: if without fi');
  }

  function ifStatement(start: number, fi: number): number {
    // Branch heads at depth 1: if/elif conditions, then the else.
    const heads: Array<{ at: number; cond?: string }> = [{ at: start, cond: stmts[start]!.slice(3) }];
    let depth = 0;
    for (let i = start; i < fi; i++) {
      const s = stmts[i]!;
      if (s.startsWith('if ')) depth++;
      else if (s === 'fi') depth--;
      else if (depth === 1 && s.startsWith('elif ')) heads.push({ at: i, cond: s.slice(5) });
      else if (depth === 1 && s === 'else') heads.push({ at: i });
    }
    for (let h = 0; h < heads.length; h++) {
      const head = heads[h]!;
      const bodyEnd = heads[h + 1]?.at ?? fi;
      if (head.cond !== undefined) {
        if (stmts[head.at + 1] !== 'then') throw new Error('simulated shell: expected then');
        if (list(head.cond).code !== 0) continue;
        return block(head.at + 2, bodyEnd);
      }
      return block(head.at + 1, bodyEnd);
    }
    return 0;
  }

  let exitCode: number;
  try {
    exitCode = block(0, stmts.length);
  } catch (signal) {
    if (!(signal instanceof ExitSignal)) throw signal;
    exitCode = signal.code;
  }
  return { exitCode, stdout, stderr, restartedAgent };
}
