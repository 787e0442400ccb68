/**
 * A tiny aggregate for pipeline tests, independent of the marketplace domain:
 * a venue with seats; holds may never exceed capacity.
 */
import { Type } from 'typebox';
import { accept, assertNever, refuse } from '../../domain/shared/decider.ts';
import type { Decider, Message } from '../../domain/shared/decider.ts';
import { defineCommand } from '../definition.ts';

type SeatsEvent =
  | Message<'SeatsAdded', { venueId: string; count: number }>
  | Message<'SeatsHeld', { venueId: string; holdId: string; count: number }>;
type SeatsCommand =
  | Message<'AddSeats', { venueId: string; count: number }>
  | Message<'HoldSeats', { venueId: string; holdId: string; count: number }>;
type SeatsState = Readonly<{ capacity: number; held: number; holds: Readonly<Record<string, number>> }>;

export const seatsDecider: Decider<SeatsCommand, SeatsEvent, SeatsState> = {
  initialState: () => ({ capacity: 0, held: 0, holds: {} }),
  evolve: (state, event) => {
    switch (event.type) {
      case 'SeatsAdded':
        return { ...state, capacity: state.capacity + event.data.count };
      case 'SeatsHeld':
        return {
          ...state,
          held: state.held + event.data.count,
          holds: { ...state.holds, [event.data.holdId]: event.data.count },
        };
      default:
        return assertNever(event, 'event');
    }
  },
  decide: (command, state) => {
    switch (command.type) {
      case 'AddSeats':
        return accept<SeatsEvent>({ type: 'SeatsAdded', data: command.data });
      case 'HoldSeats':
        if (state.holds[command.data.holdId] !== undefined) return accept<SeatsEvent>();
        if (state.held + command.data.count > state.capacity)
          return refuse('NOT_ENOUGH_SEATS', 'not enough seats left');
        return accept<SeatsEvent>({ type: 'SeatsHeld', data: command.data });
      default:
        return assertNever(command, 'command');
    }
  },
};

const seats = { category: 'venue', decider: seatsDecider };
const Id = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$' });

export const seatsCommands = [
  defineCommand({
    name: 'venue.add-seats',
    description: 'Adds seats to a venue.',
    schema: Type.Object(
      { venueId: Id, count: Type.Integer({ minimum: 1, maximum: 1_000_000 }) },
      { additionalProperties: false },
    ),
    aggregate: seats,
    streamKey: (data) => data.venueId,
    toCommand: (data): SeatsCommand => ({ type: 'AddSeats', data }),
    example: { venueId: 'v1', count: 10 },
  }),
  defineCommand({
    name: 'venue.hold-seats',
    description: 'Holds seats, never more than the capacity.',
    schema: Type.Object(
      { venueId: Id, holdId: Id, count: Type.Integer({ minimum: 1, maximum: 1000 }) },
      { additionalProperties: false },
    ),
    aggregate: seats,
    streamKey: (data) => data.venueId,
    toCommand: (data): SeatsCommand => ({ type: 'HoldSeats', data }),
    example: { venueId: 'v1', holdId: 'h1', count: 2 },
  }),
];
