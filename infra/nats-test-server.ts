/**
 * A private nats-server for tests that must configure or restart the server
 * itself (credentials, reconnects); everything else uses the shared one.
 * Needs the `nats-server` binary (NATS_SERVER_BIN, /usr/sbin/nats-server or on PATH).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export type NatsTestServer = Readonly<{
  port: number;
  url: string;
  /** Stops the server (SIGKILL: a crash, as far as clients can tell). */
  kill: () => Promise<void>;
  /** Starts it again on the same port with the same arguments. */
  restart: () => Promise<void>;
}>;

/** Debian's package installs it in /usr/sbin, which is not on every user's PATH. */
export const NATS_SERVER_BIN =
  process.env['NATS_SERVER_BIN'] ??
  (existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server');

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

const accepting = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });

const waitUntil = async (check: () => Promise<boolean>, what: string): Promise<void> => {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await sleep(25);
  }
  throw new Error(`nats-server: timed out waiting until ${what}`);
};

/** `args` are nats-server flags besides the port, e.g. `['--auth', 'secret']` or `['-c', file]`. */
export const startNatsTestServer = async (args: readonly string[] = []): Promise<NatsTestServer> => {
  const port = await freePort();
  let child: ChildProcess | null = null;

  const start = async (): Promise<void> => {
    const spawned = spawn(NATS_SERVER_BIN, ['-a', '127.0.0.1', '-p', String(port), ...args], {
      stdio: 'ignore',
    });
    child = spawned;
    const exited = new Promise<never>((_, reject) => {
      spawned.once('exit', (code) => {
        reject(new Error(`nats-server exited with ${String(code)}`));
      });
      spawned.once('error', reject);
    });
    exited.catch(() => undefined);
    await Promise.race([waitUntil(() => accepting(port), `port ${port} accepts`), exited]);
  };

  const kill = async (): Promise<void> => {
    const running = child;
    child = null;
    if (running === null || running.exitCode !== null) return;
    const gone = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await gone;
    await waitUntil(async () => !(await accepting(port)), `port ${port} is closed`);
  };

  await start();
  return { port, url: `nats://127.0.0.1:${port}`, kill, restart: start };
};
