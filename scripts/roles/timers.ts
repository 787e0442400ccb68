import { natsCommandSender } from '../../commands/sagas/send-over-nats.ts';
import { DurableTimers, runTimerWorker } from '../../commands/timers/timers.ts';
import type { Role } from './role.ts';

/**
 * Fires due timers (deadlines the sagas set) as commands over NATS. Several
 * workers share the due timers (`for update skip locked`); each fires once.
 */
export const timersRole: Role = {
  name: 'timers',
  description: 'fires due durable timers (payment, ship-by, cancellation answer, auto-complete)',
  needsNats: true,
  start: ({ config, logger, pool, nats }) => {
    if (nats === null) return Promise.reject(new Error('the timers role needs NATS'));
    const controller = new AbortController();
    const running = runTimerWorker({
      pool,
      timers: new DurableTimers(config.eventStoreSchema),
      send: natsCommandSender(nats, config.messaging.commandSubjectPrefix),
      logger,
      signal: controller.signal,
    });
    return Promise.resolve({
      stop: async () => {
        controller.abort();
        await running;
      },
    });
  },
};
