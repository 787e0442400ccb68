import { runEventRelay } from '../../commands/event-relay.ts';
import { superviseUntilAborted } from '../../commands/sagas/process-manager.ts';
import type { Role } from './role.ts';

/**
 * Publishes every committed event to JetStream (EVENT_STREAM, subjects
 * `<EVENT_SUBJECT_PREFIX>.<category>.<EventType>`) from a checkpoint. One
 * relay publishes at a time; others wait as standbys.
 */
export const relayRole: Role = {
  name: 'relay',
  description: 'publishes the event log to JetStream (one active, others stand by)',
  needsNats: true,
  start: ({ config, logger, pool, eventStore, nats }) => {
    if (nats === null) return Promise.reject(new Error('the relay role needs NATS'));
    const controller = new AbortController();
    const nc = nats;
    const running = superviseUntilAborted(
      'event relay',
      () =>
        runEventRelay({
          nc,
          store: eventStore,
          pool,
          schema: config.eventStoreSchema,
          logger,
          streamName: config.messaging.eventStream,
          subjectPrefix: config.messaging.eventSubjectPrefix,
          signal: controller.signal,
        }),
      logger,
      controller.signal,
    );
    return Promise.resolve({
      stop: async () => {
        controller.abort();
        await running;
      },
    });
  },
};
