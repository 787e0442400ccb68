/**
 * Sends one command over NATS and prints the reply.
 *
 *   npm run command -- inventory.receive --data '{"sku":"sku-1","quantity":5}'
 *   npm run command -- inventory.receive --data @payload.json --id my-command-id
 *
 * Exit code: 0 accepted, 1 refused, 2 usage or connection error.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { v7 as uuidv7 } from 'uuid';
import { commandSubject } from '../commands/nats-gateway.ts';
import type { Reply } from '../commands/envelope.ts';
import { loadConfig } from '../infra/config.ts';
import { connectNats, natsConfigFromEnv } from '../infra/nats.ts';

const usage = `usage: send-command <aggregate.action> --data <json|@file> [--id <commandId>] [--correlation-id <id>] [--actor <who>] [--timeout <ms>]`;

const main = async (): Promise<number> => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      id: { type: 'string' },
      'correlation-id': { type: 'string' },
      actor: { type: 'string' },
      timeout: { type: 'string', default: '5000' },
    },
  });
  const [name] = positionals;
  if (name === undefined || values.data === undefined) {
    console.error(usage);
    return 2;
  }
  const text = values.data.startsWith('@') ? readFileSync(values.data.slice(1), 'utf8') : values.data;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    console.error('--data is not JSON');
    return 2;
  }
  const metadata = {
    ...(values['correlation-id'] === undefined ? {} : { correlationId: values['correlation-id'] }),
    ...(values.actor === undefined ? {} : { actor: values.actor }),
  };
  const body = { commandId: values.id ?? uuidv7(), data, metadata };
  const config = loadConfig();
  const nc = await connectNats(natsConfigFromEnv(config.natsUrl, 'send-command'));
  try {
    const msg = await nc.request(commandSubject(name), JSON.stringify(body), {
      timeout: Number(values.timeout),
    });
    const reply = msg.json<Reply>();
    console.log(JSON.stringify(reply, null, 2));
    return reply.status === 'accepted' ? 0 : 1;
  } finally {
    await nc.close();
  }
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
