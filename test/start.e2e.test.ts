/**
 * `node scripts/start.ts` as an operator runs it: in a process group of its
 * own, stopped the way a terminal's Ctrl-C does (SIGINT to the whole group,
 * so the embedded Postgres would get it too if it shared the group).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { Expected } from '../infra/event-store/port.ts';
import { PostgresEventStore } from '../infra/event-store/postgres/postgres-event-store.ts';
import { TEST_DATABASE_URL } from '../infra/postgres/test-database.ts';
import { roles } from '../scripts/roles/index.ts';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const START_TIMEOUT_MS = 90_000;

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });

const unique = (): string => `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

type Exit = Readonly<{ code: number | null; signal: NodeJS.Signals | null }>;

type Running = Readonly<{
  child: ChildProcess;
  output: () => string;
  exited: Promise<Exit>;
}>;

/**
 * NATS names of this run's own: the NATS server is shared, and a command
 * gateway in the default queue group would answer other tests' commands.
 */
const NATS_TAG = unique();
const EVENT_STREAM = `E2E_START_${NATS_TAG}`;
const ownNatsNames = {
  COMMAND_SUBJECT_PREFIX: `e2e.start.${NATS_TAG}.cmd`,
  COMMAND_QUEUE_GROUP: `e2e-start-${NATS_TAG}`,
  EVENT_SUBJECT_PREFIX: `e2e.start.${NATS_TAG}.evt`,
  EVENT_STREAM,
};

const start = (env: Readonly<Record<string, string>>, args: readonly string[] = []): Running => {
  const child = spawn(process.execPath, ['scripts/start.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...ownNatsNames, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
    });
  });
  return { child, output: () => text, exited };
};

/** Polls GET /healthz until 200; fails with the process output when it exits or takes too long. */
const waitForHealth = async (running: Running, port: number): Promise<void> => {
  const deadline = Date.now() + START_TIMEOUT_MS;
  const exited = (): boolean => running.child.exitCode !== null || running.child.signalCode !== null;
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`start.ts exited before /healthz answered:\n${running.output()}`);
    const status = await fetch(`http://127.0.0.1:${String(port)}/healthz`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    await sleep(200);
  }
  throw new Error(`/healthz did not answer 200 in time:\n${running.output()}`);
};

/** Ctrl-C in a terminal: SIGINT to the whole process group. */
const interrupt = async (running: Running, signal: NodeJS.Signals = 'SIGINT'): Promise<Exit> => {
  const pid = running.child.pid;
  if (pid === undefined) throw new Error('no pid');
  process.kill(-pid, signal);
  return running.exited;
};

const stillRunning: Running[] = [];
const toRemove: string[] = [];

afterAll(async () => {
  for (const running of stillRunning) {
    if (running.child.exitCode === null && running.child.pid !== undefined) {
      try {
        process.kill(-running.child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  for (const dir of toRemove) await rm(dir, { recursive: true, force: true });
  // The relay created this run's JetStream stream on the shared server.
  const nc = await connect({ servers: process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222' });
  try {
    await (await jetstreamManager(nc)).streams.delete(EVENT_STREAM).catch(() => false);
  } finally {
    await nc.close();
  }
});

const tracked = (running: Running): Running => {
  stillRunning.push(running);
  return running;
};

describe('npm start', () => {
  it('rejects an unknown role with a clear message and exit code 2', async () => {
    const running = tracked(start({ PORT: String(await freePort()) }, ['--roles', 'api,nonsense']));
    const exit = await running.exited;
    expect(exit.code).toBe(2);
    expect(running.output()).toContain('unknown role(s): nonsense');
    expect(running.output()).toMatch(/known: .*\bapi\b/);
  });

  it('with no DATABASE_URL starts the embedded Postgres under DATA_DIR, stops cleanly, and keeps the data', async () => {
    const dataDir = join(ROOT, '.e2e-data', `start-${unique()}`);
    toRemove.push(dataDir);
    const pgPort = await freePort();
    const env = {
      DATABASE_URL: '',
      DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(pgPort),
      PORT: String(await freePort()),
    };
    const url = `postgres://postgres:commerce-embedded@127.0.0.1:${String(pgPort)}/commerce`;
    const streamId = `e2eProbe-${unique()}`;

    const first = tracked(start(env));
    await waitForHealth(first, Number(env.PORT));
    expect((await fetch(`http://127.0.0.1:${env.PORT}/readyz`)).status).toBe(200);
    // The event store schema was migrated: an append works, from another client.
    const writer = new pg.Pool({ connectionString: url, max: 1 });
    try {
      const store = new PostgresEventStore({ pool: writer, schema: 'es' });
      const appended = await store.append(streamId, [{ type: 'Probed', data: { n: 1 } }], {
        expectedRevision: Expected.noStream,
      });
      expect(appended.ok).toBe(true);
    } finally {
      await writer.end();
    }
    expect(await interrupt(first)).toEqual({ code: 0, signal: null });
    expect(first.output()).toContain('embedded Postgres stopped');
    // Postgres stopped too: it removes its pid file on a clean shutdown.
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);

    const second = tracked(start(env));
    await waitForHealth(second, Number(env.PORT));
    expect(second.output()).not.toContain('initialising');
    const reader = new pg.Pool({ connectionString: url, max: 1 });
    try {
      const events = await new PostgresEventStore({ pool: reader, schema: 'es' }).readStream(streamId);
      expect(events.map((e) => [e.type, e.data])).toEqual([['Probed', { n: 1 }]]);
    } finally {
      await reader.end();
    }
    expect(await interrupt(second, 'SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('with DATABASE_URL uses that server; with NATS unreachable it says so and still serves HTTP', async () => {
    const database = `e2e_start_${unique()}`;
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    try {
      await admin.query(`create database ${database}`);
      const databaseUrl = new URL(TEST_DATABASE_URL);
      databaseUrl.pathname = `/${database}`;
      const port = await freePort();
      const running = tracked(
        start({
          DATABASE_URL: databaseUrl.toString(),
          DATA_DIR: join(ROOT, '.e2e-data', `unused-${unique()}`),
          PORT: String(port),
          NATS_URL: `nats://127.0.0.1:${String(await freePort())}`,
        }),
      );
      await waitForHealth(running, port);
      expect((await fetch(`http://127.0.0.1:${String(port)}/readyz`)).status).toBe(200);
      const natsRoles = roles.filter((r) => r.needsNats).map((r) => r.name);
      if (natsRoles.length > 0) expect(running.output()).toContain(`NATS is unreachable`);
      expect(running.output()).not.toContain('embedded Postgres');
      const migrated = new pg.Client({ connectionString: databaseUrl.toString() });
      await migrated.connect();
      try {
        const tables = await migrated.query<{ table_name: string }>(
          `select table_name from information_schema.tables where table_schema = 'es' order by 1`,
        );
        expect(tables.rows.map((r) => r.table_name)).toEqual(
          expect.arrayContaining(['events', 'command_results']),
        );
      } finally {
        await migrated.end();
      }
      expect(await interrupt(running)).toEqual({ code: 0, signal: null });
    } finally {
      await admin.query(`drop database if exists ${database} with (force)`);
      await admin.end();
    }
  });
});
