import { evolve, initialState, streamId } from '../../domain/listing/index.ts';
import type { ListingEvent, ListingState } from '../../domain/listing/index.ts';
import { comparePositions } from '../../infra/event-store/port.ts';
import type { LogPosition, RecordedEvent } from '../../infra/event-store/port.ts';
import type { SagaContext } from './process-manager.ts';

/**
 * The listing as it stood at a position of the log (events at or before it),
 * for the same reason as `orderAsOf`: the saga checks an order against the
 * listing as of the OrderPlaced it reacts to, so a replay checks it against
 * the very same listing even when the listing changed since.
 */
export const listingAsOf = async (
  readStream: SagaContext['readStream'],
  listingId: string,
  at: LogPosition,
): Promise<ListingState> => foldListingUntil(await readStream(streamId(listingId)), at);

export const foldListingUntil = (events: readonly RecordedEvent[], at: LogPosition): ListingState => {
  let state = initialState();
  for (const event of events) {
    if (comparePositions(event.position, at) > 0) break;
    state = evolve(state, { type: event.type, data: event.data } as unknown as ListingEvent);
  }
  return state;
};
