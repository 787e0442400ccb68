import { readFileSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * CPU used over a window, in cores (1 = one core fully busy). Linux only
 * (zeros elsewhere). The machine is shared, so `backends` — the Postgres
 * processes serving this run's own connections — is what to compare;
 * `postgresAll` and `machineBusy` show how busy everything else was.
 */
export type CpuUsage = Readonly<{
  /** This Node process (all threads). */
  node: number;
  /** The backends serving this run's connections (by application_name). */
  backends: number;
  /** Every postgres process, other clients' included. */
  postgresAll: number;
  /** pgbench client processes, when one runs. */
  pgbench: number;
  /** The whole machine: busy (user+system+irq), and waiting on I/O. */
  machineBusy: number;
  machineIowait: number;
  cores: number;
}>;

export const NO_CPU: CpuUsage = {
  node: 0,
  backends: 0,
  postgresAll: 0,
  pgbench: 0,
  machineBusy: 0,
  machineIowait: 0,
  cores: availableParallelism(),
};

// USER_HZ is 100 on every Linux this runs on (getconf CLK_TCK).
const TICKS_PER_S = 100;

type ProcTicks = Map<number, Readonly<{ comm: string; ticks: number }>>;

/** utime + stime of the process in a /proc/<pid>/stat line, with its command name. */
export const parseProcStat = (stat: string): Readonly<{ comm: string; ticks: number }> | null => {
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  // After "(comm) " the fields are: state(3) … utime(14) stime(15), 1-based as in proc(5).
  const fields = stat.slice(close + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? { comm: stat.slice(open + 1, close), ticks } : null;
};

const readProcesses = (): ProcTicks => {
  const result: ProcTicks = new Map();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return result;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const parsed = parseProcStat(readFileSync(`/proc/${entry}/stat`, 'latin1'));
      if (parsed !== null && (parsed.comm === 'postgres' || parsed.comm === 'pgbench')) {
        result.set(Number(entry), parsed);
      }
    } catch {
      // The process ended meanwhile.
    }
  }
  return result;
};

type MachineTicks = Readonly<{ total: number; idle: number; iowait: number }>;

const readMachine = (): MachineTicks => {
  try {
    const line = readFileSync('/proc/stat', 'latin1').split('\n')[0] ?? '';
    const values = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = values;
    return { total: user + nice + system + idle + iowait + irq + softirq + steal, idle, iowait };
  } catch {
    return { total: 0, idle: 0, iowait: 0 };
  }
};

/**
 * Samples CPU counters now; `stop()` returns the usage since. `backendPids`:
 * this run's backends (`pg_stat_activity.pid`), which must live through the
 * window: persistent pool connections, or pgbench's while it runs.
 */
export class CpuMeter {
  readonly #startedAt = process.hrtime.bigint();
  readonly #node = process.cpuUsage();
  readonly #machine = readMachine();
  readonly #processes = readProcesses();
  readonly #backends: ReadonlySet<number>;

  constructor(backendPids: readonly number[] = []) {
    this.#backends = new Set(backendPids);
  }

  stop(): CpuUsage {
    const seconds = Number(process.hrtime.bigint() - this.#startedAt) / 1e9;
    const node = process.cpuUsage(this.#node);
    const machine = readMachine();
    const totals = { postgres: 0, pgbench: 0, backends: 0 };
    for (const [pid, now] of readProcesses()) {
      const before = this.#processes.get(pid);
      const used = before?.comm === now.comm ? now.ticks - before.ticks : now.ticks;
      if (now.comm === 'pgbench') totals.pgbench += used;
      if (now.comm === 'postgres') totals.postgres += used;
      if (now.comm === 'postgres' && before !== undefined && this.#backends.has(pid)) totals.backends += used;
    }
    const cores = availableParallelism();
    const dTotal = machine.total - this.#machine.total;
    const share = (ticks: number): number => (dTotal > 0 ? (ticks / dTotal) * cores : 0);
    const perSecond = (ticks: number): number => (seconds > 0 ? ticks / TICKS_PER_S / seconds : 0);
    return {
      node: seconds > 0 ? (node.user + node.system) / 1e6 / seconds : 0,
      backends: perSecond(totals.backends),
      postgresAll: perSecond(totals.postgres),
      pgbench: perSecond(totals.pgbench),
      machineBusy: share(
        dTotal - (machine.idle - this.#machine.idle) - (machine.iowait - this.#machine.iowait),
      ),
      machineIowait: share(machine.iowait - this.#machine.iowait),
      cores,
    };
  }
}

/** CPU milliseconds per operation, from cores used over `seconds` for `ops` operations. */
export const cpuMsPerOp = (usage: CpuUsage, seconds: number, ops: number) =>
  ops > 0
    ? {
        node: (usage.node * seconds * 1000) / ops,
        backends: (usage.backends * seconds * 1000) / ops,
        pgbench: (usage.pgbench * seconds * 1000) / ops,
      }
    : { node: 0, backends: 0, pgbench: 0 };
