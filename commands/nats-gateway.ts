import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { CommandBus } from './command-bus.ts';
import { refused } from './envelope.ts';
import type { Reply } from './envelope.ts';

export const COMMAND_SUBJECT_PREFIX = 'commerce.v1.cmd';
export const COMMAND_QUEUE_GROUP = 'commerce-commands';

export const commandSubject = (name: string): string => `${COMMAND_SUBJECT_PREFIX}.${name}`;

export type CommandGateway = Readonly<{
  /** Stops taking requests, answers every request already taken, then resolves. */
  drain: () => Promise<void>;
}>;

const encoder = new TextEncoder();

/**
 * Request/reply over core NATS in a queue group: any number of handler
 * processes share the subjects and each request goes to one of them.
 */
export const startCommandGateway = (
  nc: NatsConnection,
  bus: CommandBus,
  logger: Logger,
  options: Readonly<{ prefix?: string; queue?: string }> = {},
): CommandGateway => {
  const prefix = options.prefix ?? COMMAND_SUBJECT_PREFIX;
  const inFlight = new Set<Promise<void>>();

  // Replies wait for the end of this turn of the event loop and go out together: a group of commands
  // is answered in one socket write instead of one per command (each write is a system call and a
  // wake-up of the NATS server; on a VM they were a fifth of the handler's time).
  let outbox: { msg: Msg; data: Uint8Array; sent: () => void }[] = [];
  const sendOutbox = (): void => {
    const batch = outbox;
    outbox = [];
    for (const { msg, data, sent } of batch) {
      try {
        msg.respond(data);
      } catch (error) {
        // The connection closed under us: the caller times out and retries with
        // the same command id, which the journal answers. Never an unhandled rejection.
        logger.warn({ err: error, subject: msg.subject }, 'could not send a command reply');
      }
      sent();
    }
  };
  const respond = (msg: Msg, data: Uint8Array): Promise<void> =>
    new Promise((sent) => {
      if (outbox.length === 0) setImmediate(sendOutbox);
      outbox.push({ msg, data, sent });
    });

  const answer = async (msg: Msg): Promise<void> => {
    const name = msg.subject.slice(prefix.length + 1);
    let reply: Reply;
    try {
      reply = await bus.executeBytes(name, msg.data);
    } catch (error) {
      logger.error({ err: error, subject: msg.subject }, 'command failed');
      reply = refused(null, 'INTERNAL_ERROR', 'the command could not be handled');
    }
    if (msg.reply === undefined || msg.reply === '') return;
    await respond(msg, encoder.encode(JSON.stringify(reply)));
  };

  const subscription: Subscription = nc.subscribe(`${prefix}.>`, {
    queue: options.queue ?? COMMAND_QUEUE_GROUP,
    callback: (error, msg) => {
      if (error !== null) {
        logger.error({ err: error }, 'command subscription error');
        return;
      }
      const work = answer(msg).finally(() => inFlight.delete(work));
      inFlight.add(work);
    },
  });
  logger.info(
    { subject: `${prefix}.>`, queue: options.queue ?? COMMAND_QUEUE_GROUP },
    'command gateway listening',
  );

  return {
    drain: async () => {
      await subscription.drain();
      while (inFlight.size > 0) await Promise.all(inFlight);
    },
  };
};
