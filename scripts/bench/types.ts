import type pg from 'pg';

/** A scenario-specific command-line option (`--<name> <value>` or a `--<name>` flag). */
export type OptionSpec = Readonly<{
  type: 'string' | 'boolean';
  description: string;
  default?: string | boolean;
}>;

/** What every scenario receives from the harness. */
export type RunOptions = Readonly<{
  scenario: string;
  durationS: number;
  concurrency: number;
  /** The scenario's own options (declared in `Scenario.options`), defaults applied. */
  values: Readonly<Record<string, string | boolean | undefined>>;
  databaseUrl: string;
  /** A schema of this run's own, created before `run` and dropped after it (also on Ctrl-C). */
  schema: string;
  /** Aborted on Ctrl-C: stop the load, the harness cleans up. */
  signal: AbortSignal;
  /** A pool the harness ends after the run; its connections are named `applicationName(role)`. */
  createPool: (max: number, role: string) => pg.Pool;
  /** `bench:<role>:<run>`: the application_name of this run's connections in that role. */
  applicationName: (role: string) => string;
  /** Pids of this run's backends in that role (from pg_stat_activity), to measure their CPU. */
  backendPids: (role: string) => Promise<readonly number[]>;
  /** Human progress, to stderr. */
  log: (message: string) => void;
}>;

/** One JSON line on stdout. `resultLine` rounds the numbers and derives `ratio`. */
export type BenchResult = Readonly<{
  scenario: string;
  /** What `opsPerSec` counts when it is not one operation per call (e.g. `"events"`). */
  unit?: string | undefined;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  concurrency: number;
  durationS: number;
  ops: number;
  ceilingOpsPerSec?: number | undefined;
  [extra: string]: unknown;
}>;

export type Scenario = Readonly<{
  name: string;
  description: string;
  defaults: Readonly<{ durationS: number; concurrency: number }>;
  options?: Readonly<Record<string, OptionSpec>>;
  run: (options: RunOptions) => Promise<readonly BenchResult[]>;
}>;
