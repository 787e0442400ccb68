import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nkeys } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from './config.ts';
import { connectNats, natsConfigFromEnv } from './nats.ts';
import { startNatsTestServer } from './nats-test-server.ts';
import type { NatsTestServer } from './nats-test-server.ts';

/** Connects with the environment a process would have, and proves the connection works. */
const roundTrip = async (url: string, env: NodeJS.ProcessEnv): Promise<string> => {
  const nc = await connectNats(natsConfigFromEnv(url, 'creds-test', env));
  try {
    const sub = nc.subscribe('ping', {
      callback: (_, msg) => {
        msg.respond('pong');
      },
    });
    const reply = await nc.request('ping', '', { timeout: 5000 });
    sub.unsubscribe();
    return reply.string();
  } finally {
    await nc.close();
  }
};

describe('NATS credentials from the environment (private nats-server per method)', () => {
  let dir: string;
  const servers: NatsTestServer[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nats-creds-'));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.kill()));
    await rm(dir, { recursive: true, force: true });
  });
  const server = async (args: readonly string[]): Promise<NatsTestServer> => {
    const started = await startNatsTestServer(args);
    servers.push(started);
    return started;
  };

  it('user and password', async () => {
    const { url } = await server(['--user', 'svc', '--pass', 's3cret']);
    expect(await roundTrip(url, { NATS_USER: 'svc', NATS_PASSWORD: 's3cret' })).toBe('pong');
    await expect(roundTrip(url, { NATS_USER: 'svc', NATS_PASSWORD: 'wrong' })).rejects.toThrow();
    await expect(roundTrip(url, {})).rejects.toThrow();
  });

  it('token', async () => {
    const { url } = await server(['--auth', 'tok-9f2c']);
    expect(await roundTrip(url, { NATS_TOKEN: 'tok-9f2c' })).toBe('pong');
    await expect(roundTrip(url, { NATS_TOKEN: 'tok-other' })).rejects.toThrow();
  });

  it('an NKEY seed file in NATS_CREDS', async () => {
    const user = nkeys.createUser();
    const other = nkeys.createUser();
    const config = join(dir, 'nkey.conf');
    await writeFile(config, `authorization { users = [ { nkey: "${user.getPublicKey()}" } ] }\n`);
    const seedFile = join(dir, 'user.nk');
    await writeFile(seedFile, `${new TextDecoder().decode(user.getSeed())}\n`);
    const otherSeedFile = join(dir, 'other.nk');
    await writeFile(otherSeedFile, new TextDecoder().decode(other.getSeed()));
    const { url } = await server(['-c', config]);
    expect(await roundTrip(url, { NATS_CREDS: seedFile })).toBe('pong');
    await expect(roundTrip(url, { NATS_CREDS: otherSeedFile })).rejects.toThrow();
    const notCreds = join(dir, 'garbage.creds');
    await writeFile(notCreds, 'hello');
    await expect(roundTrip(url, { NATS_CREDS: notCreds })).rejects.toBeInstanceOf(ConfigError);
  });

  it('refuses half or mixed credentials before connecting', () => {
    const url = 'nats://127.0.0.1:1';
    expect(() => natsConfigFromEnv(url, 'x', { NATS_USER: 'svc' })).toThrow(ConfigError);
    expect(() => natsConfigFromEnv(url, 'x', { NATS_PASSWORD: 'p' })).toThrow(ConfigError);
    expect(() => natsConfigFromEnv(url, 'x', { NATS_TOKEN: 't', NATS_CREDS: '/f' })).toThrow(ConfigError);
    expect(natsConfigFromEnv(url, 'x', { NATS_TOKEN: '', NATS_USER: '' })).toMatchObject({
      token: null,
      user: null,
      credsFile: null,
    });
  });
});
