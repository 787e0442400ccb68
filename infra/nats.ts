import { readFile } from 'node:fs/promises';
import { connect, credsAuthenticator } from '@nats-io/transport-node';
import type { NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';

export type NatsConfig = Readonly<{
  url: string;
  user: string | null;
  password: string | null;
  token: string | null;
  /** Path of an NKEY/JWT `.creds` file. */
  credsFile: string | null;
  name: string;
}>;

export const natsConfigFromEnv = (
  url: string,
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): NatsConfig => ({
  url,
  user: env['NATS_USER'] ?? null,
  password: env['NATS_PASSWORD'] ?? null,
  token: env['NATS_TOKEN'] ?? null,
  credsFile: env['NATS_CREDS'] ?? null,
  name,
});

/**
 * Connects with reconnection for ever (a NATS restart must not end the
 * process) and credentials from configuration: user/password, token or a
 * creds file.
 */
export const connectNats = async (config: NatsConfig, timeoutMs = 2000): Promise<NatsConnection> => {
  const options: NodeConnectionOptions = {
    servers: config.url,
    name: config.name,
    timeout: timeoutMs,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
  };
  if (config.credsFile !== null) {
    const creds = await readFile(config.credsFile);
    return connect({ ...options, authenticator: credsAuthenticator(creds) });
  }
  if (config.token !== null) return connect({ ...options, token: config.token });
  if (config.user !== null) return connect({ ...options, user: config.user, pass: config.password ?? '' });
  return connect(options);
};
