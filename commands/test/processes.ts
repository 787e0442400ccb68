/**
 * For end-to-end tests: `scripts/start.ts` started as an operator would, with
 * a database schema and NATS subjects of the test's own, and a client that
 * sends commands to it over NATS.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats } from '../../infra/nats.ts';
import { TEST_DATABASE_URL, uniqueName } from '../../infra/postgres/test-database.ts';
import type { Reply } from '../envelope.ts';
import { uuidV7 } from '../../infra/uuid-v7.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const TEST_NATS_URL = process.env['TEST_NATS_URL'] ?? 'nats://127.0.0.1:4222';
const START_TIMEOUT_MS = 90_000;
const MAX_OUTPUT = 200_000;

/** One system under test: its schemas and subjects, shared by every process started for it. */
export type SystemEnv = Readonly<{
  schema: string;
  readModelSchema: string;
  commandPrefix: string;
  env: Readonly<Record<string, string>>;
}>;

export const systemEnv = (prefix: string, extra: Readonly<Record<string, string>> = {}): SystemEnv => {
  const schema = uniqueName(prefix);
  const commandPrefix = `test.${schema}.cmd`;
  return {
    schema,
    readModelSchema: `${schema}_rm`,
    commandPrefix,
    env: {
      DATABASE_URL: TEST_DATABASE_URL,
      NATS_URL: TEST_NATS_URL,
      EVENT_STORE_SCHEMA: schema,
      READ_MODEL_SCHEMA: `${schema}_rm`,
      COMMAND_SUBJECT_PREFIX: commandPrefix,
      COMMAND_QUEUE_GROUP: commandPrefix,
      EVENT_SUBJECT_PREFIX: `test.${schema}.evt`,
      EVENT_STREAM: schema.toUpperCase(),
      PORT: '0',
      HOST: '127.0.0.1',
      ...extra,
      // The readiness line ("commerce-core running") is logged at info.
      LOG_LEVEL: 'info',
    },
  };
};

export type RunningProcess = Readonly<{
  child: ChildProcess;
  output: () => string;
  /** SIGTERM, then waits for the exit code. */
  stop: () => Promise<number | null>;
}>;

/** `node scripts/start.ts --roles <roles>`; resolves once it logs that it runs. */
export const startProcess = async (system: SystemEnv, roles: readonly string[]): Promise<RunningProcess> => {
  const child = spawn(process.execPath, ['scripts/start.ts', '--roles', roles.join(',')], {
    cwd: ROOT,
    env: { ...process.env, ...system.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const collect = (chunk: Buffer): void => {
    text = (text + chunk.toString()).slice(-MAX_OUTPUT);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      resolve(code);
    });
  });
  // An object, not a `let`: TypeScript cannot follow a write from the callback.
  const status = { exited: false };
  void exited.then(() => (status.exited = true));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!text.includes('commerce-core running')) {
    if (status.exited) throw new Error(`start.ts exited before running:\n${text}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`start.ts did not start in time:\n${text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    child,
    output: () => text,
    stop: async () => {
      if (!status.exited) child.kill('SIGTERM');
      return exited;
    },
  };
};

export type CommandClient = Readonly<{
  nc: NatsConnection;
  send: (name: string, data: unknown, metadata?: Readonly<Record<string, string>>) => Promise<Reply>;
  close: () => Promise<void>;
}>;

const encoder = new TextEncoder();

/** A service's view: request/reply on the system's command subjects, a fresh command id each time. */
export const commandClient = async (system: SystemEnv): Promise<CommandClient> => {
  const nc = await connectNats({
    url: system.env['NATS_URL'] ?? TEST_NATS_URL,
    user: null,
    password: null,
    token: null,
    credsFile: null,
    name: `test-client:${system.schema}`,
  });
  return {
    nc,
    send: async (name, data, metadata) => {
      const body = {
        commandId: uuidV7(),
        data,
        ...(metadata === undefined ? {} : { metadata }),
      };
      const msg = await nc.request(`${system.commandPrefix}.${name}`, encoder.encode(JSON.stringify(body)), {
        timeout: 30_000,
      });
      return msg.json<Reply>();
    },
    close: () => nc.close(),
  };
};

/** Polls until `probe` returns something other than undefined. */
export const eventually = async <T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};
