import { comparePositions } from '../event-store/port.ts';
import type { EventStore, LogPosition } from '../event-store/port.ts';

/**
 * For tests: waits until the store's settled head has reached `position`.
 * Checkpoints and exports stop at the settled head, which any transaction
 * still running on the server (another test's, say) holds back for a while.
 */
export const waitUntilSettled = async (
  store: EventStore,
  position: LogPosition,
  timeoutMs = 30_000,
): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (comparePositions(await store.headPosition(), position) < 0) {
    if (Date.now() > deadline)
      throw new Error('the log did not settle: a transaction on the server stays open');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};
