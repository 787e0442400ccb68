import { allCommands } from '../../commands/definitions/index.ts';
import { startCommandGateway } from '../../commands/nats-gateway.ts';
import { openCommandSide } from '../../commands/open.ts';
import { commandPolicyOf } from '../../commands/policy.ts';
import type { Role } from './role.ts';

/**
 * The command handlers: NATS request/reply on `<COMMAND_SUBJECT_PREFIX>.<name>`
 * in the queue group COMMAND_QUEUE_GROUP, so any number of processes share
 * the load. Stopping drains: every request taken is answered first.
 */
export const commandsRole: Role = {
  name: 'commands',
  description: 'command handlers over NATS request/reply (queue group; run as many as you like)',
  needsNats: true,
  start: async ({ config, logger, pool, eventStore, nats }) => {
    if (nats === null) throw new Error('the commands role needs NATS');
    const { bus, processor } = await openCommandSide({
      pool,
      store: eventStore,
      schema: config.eventStoreSchema,
      definitions: allCommands,
      policy: commandPolicyOf(config),
      logger,
    });
    const gateway = startCommandGateway(nats, bus, logger, {
      prefix: config.messaging.commandSubjectPrefix,
      queue: config.messaging.commandQueueGroup,
    });
    return {
      stop: async () => {
        await gateway.drain();
        await processor.idle();
      },
    };
  },
};
