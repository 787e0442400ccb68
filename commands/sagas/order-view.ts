import { evolve, initialState, streamId } from '../../domain/order/index.ts';
import type { OrderEvent, OrderState } from '../../domain/order/index.ts';
import { comparePositions } from '../../infra/event-store/port.ts';
import type { LogPosition, RecordedEvent } from '../../infra/event-store/port.ts';
import type { SagaContext } from './process-manager.ts';

/**
 * The order as it stood at a position of the log (events at or before it).
 * A saga that decides from this view decides the same way when it replays
 * the event later, whatever the order went through since: the log before a
 * delivered position never changes.
 */
export const orderAsOf = async (
  readStream: SagaContext['readStream'],
  orderId: string,
  at: LogPosition,
): Promise<OrderState> => foldOrderUntil(await readStream(streamId(orderId)), at);

export const foldOrderUntil = (events: readonly RecordedEvent[], at: LogPosition): OrderState => {
  let state = initialState();
  for (const event of events) {
    if (comparePositions(event.position, at) > 0) break;
    state = evolve(state, { type: event.type, data: event.data } as unknown as OrderEvent);
  }
  return state;
};
