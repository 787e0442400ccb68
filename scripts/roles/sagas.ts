import { deadlinesSaga } from '../../commands/sagas/deadlines.ts';
import { runProcessManager, superviseUntilAborted } from '../../commands/sagas/process-manager.ts';
import { purchaseSaga } from '../../commands/sagas/purchase.ts';
import { natsCommandSender } from '../../commands/sagas/send-over-nats.ts';
import { settlementSaga } from '../../commands/sagas/settlement.ts';
import { DurableTimers } from '../../commands/timers/timers.ts';
import type { Role } from './role.ts';

/**
 * The process managers (docs/sagas.md): purchase, settlement, deadlines, each
 * from its own checkpoint. They send commands over NATS like any service; one
 * process runs each at a time (advisory lock), others stand by.
 */
export const sagasRole: Role = {
  name: 'sagas',
  description: 'process managers: purchase, settlement (escrow, refunds), deadlines (one active each)',
  needsNats: true,
  start: ({ config, logger, pool, eventStore, nats }) => {
    if (nats === null) return Promise.reject(new Error('the sagas role needs NATS'));
    const controller = new AbortController();
    const execute = natsCommandSender(nats, config.messaging.commandSubjectPrefix);
    const timers = new DurableTimers(config.eventStoreSchema);
    const managers = [purchaseSaga(config.windows), settlementSaga(), deadlinesSaga(config.windows)];
    const running = managers.map((manager) => {
      const sagaLogger = logger.child({ saga: manager.name });
      return superviseUntilAborted(
        `saga ${manager.name}`,
        () =>
          runProcessManager({
            manager,
            store: eventStore,
            pool,
            schema: config.eventStoreSchema,
            timers,
            execute,
            logger: sagaLogger,
            signal: controller.signal,
          }),
        sagaLogger,
        controller.signal,
      );
    });
    return Promise.resolve({
      stop: async () => {
        controller.abort();
        await Promise.all(running);
      },
    });
  },
};
