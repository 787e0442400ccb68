import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type PgbenchSummary = Readonly<{
  /** `tps = … (without initial connection time)`. */
  tps: number;
  transactions: number | null;
  failed: number | null;
  latencyAverageMs: number | null;
}>;

const number = (pattern: RegExp, text: string): number | null => {
  const match = pattern.exec(text);
  return match?.[1] === undefined ? null : Number(match[1]);
};

/** Reads pgbench's summary; null when it has no `tps = … (without initial connection time)` line. */
export const parsePgbenchOutput = (output: string): PgbenchSummary | null => {
  const tps = number(/^tps = ([\d.]+) \(without initial connection time\)\s*$/m, output);
  if (tps === null || !Number.isFinite(tps)) return null;
  return {
    tps,
    transactions: number(/^number of transactions actually processed: (\d+)/m, output),
    failed: number(/^number of failed transactions: (\d+)/m, output),
    latencyAverageMs: number(/^latency average = ([\d.]+) ms/m, output),
  };
};

/** `'…'` as an SQL string literal. */
export const sqlLiteral = (text: string): string => `'${text.replaceAll("'", "''")}'`;

export type PgbenchRun = Readonly<{
  databaseUrl: string;
  /** The transaction script, one SQL statement per line (pgbench -f). */
  script: string;
  clients: number;
  durationS: number;
  signal?: AbortSignal;
  binary?: string;
  /** application_name of pgbench's connections (PGAPPNAME). */
  applicationName?: string;
}>;

export const PGBENCH = process.env['PGBENCH'] ?? '/usr/bin/pgbench';

/** `pgbench -c N -j 2 -T S -n -f script <url>`; rejects unless it prints a tps line. */
export const runPgbench = async (run: PgbenchRun): Promise<PgbenchSummary & { command: string }> => {
  const dir = await mkdtemp(join(tmpdir(), 'bench-pgbench-'));
  const file = join(dir, 'script.sql');
  try {
    await writeFile(file, run.script);
    const args = [
      '-c',
      String(run.clients),
      '-j',
      String(Math.min(2, run.clients)),
      '-T',
      String(Math.max(1, Math.round(run.durationS))),
      '-n',
      '-f',
      file,
      run.databaseUrl,
    ];
    const binary = run.binary ?? PGBENCH;
    const output = await new Promise<string>((resolve, reject) => {
      const env =
        run.applicationName === undefined ? process.env : { ...process.env, PGAPPNAME: run.applicationName };
      const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], signal: run.signal, env });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => {
        if (code === 0) resolve(text);
        else reject(new Error(`${binary} exited with ${String(code)}:\n${text}`));
      });
    });
    const summary = parsePgbenchOutput(output);
    if (summary === null) throw new Error(`no tps line in pgbench output:\n${output}`);
    return { ...summary, command: `pgbench ${args.slice(0, -2).join(' ')} <script> <url>` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};
