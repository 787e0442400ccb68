import { readFile } from 'node:fs/promises';
import { connect, credsAuthenticator, nkeyAuthenticator } from '@nats-io/transport-node';
import type { Authenticator, NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import { ConfigError } from './config.ts';

export type NatsConfig = Readonly<{
  url: string;
  user: string | null;
  password: string | null;
  token: string | null;
  /** Path of a `.creds` file (user JWT + NKEY seed) or of a bare NKEY user seed file. */
  credsFile: string | null;
  name: string;
}>;

const setting = (env: NodeJS.ProcessEnv, name: string): string | null => {
  const value = env[name];
  return value === undefined || value === '' ? null : value;
};

/**
 * NATS_CREDS, NATS_TOKEN or NATS_USER + NATS_PASSWORD: one way to
 * authenticate, never a mix (a mix would silently ignore what the operator set).
 */
export const natsConfigFromEnv = (
  url: string,
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): NatsConfig => {
  const config: NatsConfig = {
    url,
    user: setting(env, 'NATS_USER'),
    password: setting(env, 'NATS_PASSWORD'),
    token: setting(env, 'NATS_TOKEN'),
    credsFile: setting(env, 'NATS_CREDS'),
    name,
  };
  if ((config.user === null) !== (config.password === null))
    throw new ConfigError('NATS_USER and NATS_PASSWORD go together: set both or neither');
  const methods = [config.credsFile, config.token, config.user].filter((m) => m !== null).length;
  if (methods > 1)
    throw new ConfigError('set one of NATS_CREDS, NATS_TOKEN or NATS_USER + NATS_PASSWORD, not several');
  return config;
};

const NKEY_USER_SEED = /^SU[A-Z2-7]{56}$/;

/** A `.creds` file (as `nsc` writes it) or a bare user seed (as `nk -gen user` writes it). */
export const authenticatorFromFile = async (path: string): Promise<Authenticator> => {
  const bytes = await readFile(path);
  const text = new TextDecoder().decode(bytes).trim();
  if (text.includes('-----BEGIN NATS USER JWT-----')) return credsAuthenticator(bytes);
  if (NKEY_USER_SEED.test(text)) return nkeyAuthenticator(new TextEncoder().encode(text));
  throw new ConfigError(`NATS_CREDS ${path} is neither a .creds file nor an NKEY user seed (SU...)`);
};

/**
 * Connects with reconnection for ever (a NATS restart must not end the
 * process: subscriptions are restored and publishes made meanwhile are
 * buffered) and credentials from configuration. Pings every 10 s, so a
 * silently dead TCP connection is noticed in about 30 s instead of minutes.
 */
export const connectNats = async (config: NatsConfig, timeoutMs = 2000): Promise<NatsConnection> => {
  const options: NodeConnectionOptions = {
    servers: config.url,
    name: config.name,
    timeout: timeoutMs,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    pingInterval: 10_000,
    maxPingOut: 3,
    // Otherwise every request builds an Error up front, for a stack trace a timeout might print:
    // 3 % of a command client's CPU. Timeouts still say which subject they were for.
    noAsyncTraces: true,
  };
  if (config.credsFile !== null)
    return connect({ ...options, authenticator: await authenticatorFromFile(config.credsFile) });
  if (config.token !== null) return connect({ ...options, token: config.token });
  if (config.user !== null) return connect({ ...options, user: config.user, pass: config.password ?? '' });
  return connect(options);
};
