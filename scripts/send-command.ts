/**
 * Sends one command over NATS and prints the reply.
 *
 *   npm run command -- --help
 *   npm run command -- inventory.receive '{"sku":"sku-1","receiptId":"r-1","quantity":5}'
 *   npm run command -- order.place --file order.json --id my-command-id
 *   npm run command -- order.place --example
 *
 * Exit code: 0 accepted, 1 refused, 2 usage or connection error.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { errors } from '@nats-io/transport-node';
import { v7 as uuidv7 } from 'uuid';
import { allCommands } from '../commands/definitions/index.ts';
import type { Reply } from '../commands/envelope.ts';
import { COMMAND_SUBJECT_PREFIX } from '../commands/nats-gateway.ts';
import { loadConfig } from '../infra/config.ts';
import { connectNats, natsConfigFromEnv } from '../infra/nats.ts';

const usage = `usage: npm run command -- <aggregate.action> ['<data json>' | --file <path> | --example] [options]

Sends the command over NATS (subject ${COMMAND_SUBJECT_PREFIX}.<aggregate.action>), prints the reply,
exits 0 when accepted, 1 when refused, 2 on a usage or connection error. docs/commands.md has
every command's schema and an example.

options:
  --file <path>            read the command's data (JSON) from a file
  --example                send the command's documented example data
  --id <commandId>         the command id (default: a new UUIDv7); the same id again is idempotent
  --correlation-id <id>    metadata.correlationId
  --causation-id <id>      metadata.causationId
  --actor <who>            metadata.actor
  --timeout <ms>           how long to wait for the reply (default 5000)
  --prefix <subject>       subject prefix (default: COMMAND_SUBJECT_PREFIX or ${COMMAND_SUBJECT_PREFIX})
  -h, --help               this text and the list of commands

environment: NATS_URL, and NATS_CREDS | NATS_TOKEN | NATS_USER + NATS_PASSWORD

commands:
${allCommands.map((d) => `  ${d.name.padEnd(32)} ${d.description.split('. ')[0]?.replace(/\.$/, '') ?? ''}`).join('\n')}`;

class UsageError extends Error {}

const parseJson = (text: string, what: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${what} is not JSON`);
  }
};

const main = async (): Promise<number> => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      file: { type: 'string' },
      data: { type: 'string' },
      example: { type: 'boolean', default: false },
      id: { type: 'string' },
      'correlation-id': { type: 'string' },
      'causation-id': { type: 'string' },
      actor: { type: 'string' },
      timeout: { type: 'string', default: '5000' },
      prefix: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const [name, inline, ...extra] = positionals;
  if (name === undefined) throw new UsageError('which command? (--help lists them)');
  const definition = allCommands.find((d) => d.name === name);
  if (definition === undefined) throw new UsageError(`unknown command "${name}" (--help lists them)`);
  // `--data` is the older spelling of the positional JSON; `@path` reads a file.
  const dataText = inline ?? values.data;
  const sources = [dataText, values.file, values.example ? 'example' : undefined].filter(
    (s) => s !== undefined,
  );
  if (extra.length > 0 || sources.length !== 1)
    throw new UsageError('give the data once: inline JSON, --file <path> or --example');
  const timeout = Number(values.timeout);
  if (!Number.isInteger(timeout) || timeout <= 0) throw new UsageError('--timeout is a positive integer');

  const data = values.example
    ? definition.example
    : values.file !== undefined
      ? parseJson(readFileSync(values.file, 'utf8'), values.file)
      : dataText?.startsWith('@') === true
        ? parseJson(readFileSync(dataText.slice(1), 'utf8'), dataText.slice(1))
        : parseJson(dataText ?? '', 'the data');
  const metadata = {
    ...(values['correlation-id'] === undefined ? {} : { correlationId: values['correlation-id'] }),
    ...(values['causation-id'] === undefined ? {} : { causationId: values['causation-id'] }),
    ...(values.actor === undefined ? {} : { actor: values.actor }),
  };
  const body = { commandId: values.id ?? uuidv7(), data, metadata };

  const config = loadConfig();
  const subject = `${values.prefix ?? config.messaging.commandSubjectPrefix}.${name}`;
  const nc = await connectNats(natsConfigFromEnv(config.natsUrl, 'send-command'));
  try {
    const msg = await nc.request(subject, JSON.stringify(body), { timeout });
    const reply = msg.json<Reply>();
    console.log(JSON.stringify(reply, null, 2));
    return reply.status === 'accepted' ? 0 : 1;
  } catch (error) {
    if (error instanceof errors.RequestError && error.isNoResponders())
      throw new Error(`no command handler is listening on ${subject} (is the commands role running?)`, {
        cause: error,
      });
    if (
      error instanceof errors.TimeoutError ||
      (error instanceof Error && error.cause instanceof errors.TimeoutError)
    )
      throw new Error(
        `no reply within ${timeout} ms; resend with the same --id ${body.commandId} (idempotent)`,
        { cause: error },
      );
    throw error;
  } finally {
    await nc.close();
  }
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(
      error instanceof UsageError
        ? `${error.message}\n\n${usage.split('\n')[0] ?? ''}`
        : error instanceof Error
          ? error.message
          : error,
    );
    process.exit(2);
  },
);
