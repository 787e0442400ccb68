/**
 * Given/when/then specifications for deciders, for unit tests only (it imports
 * vitest, so it is deliberately NOT re-exported from `domain/shared/index.ts`).
 *
 *   spec(inventoryDecider)
 *     .given([StockReceived...])      // folded with evolve from initialState()
 *     .when(ReserveStock...)          // run through decide
 *     .then([StockReserved...]);      // or .thenRefused('INSUFFICIENT_STOCK') or .thenNothing()
 *
 * `then` also folds the produced events onto the given state, so an event that
 * `decide` emits but `evolve` rejects fails the specification. Each terminal
 * returns the decision for any further assertion.
 */
import { expect } from 'vitest';
import type { Decider, Decision } from './decider.ts';

export type SpecThen<Event, State, Code extends string> = Readonly<{
  /** decide accepted and produced exactly these events (in order); evolve accepts them. */
  then: (expected: readonly Event[]) => Decision<Event, Code>;
  /** decide refused with this stable code. */
  thenRefused: (code: Code) => Decision<Event, Code>;
  /** decide accepted with no events (an idempotent repeat, a no-op). */
  thenNothing: () => Decision<Event, Code>;
  /** the state folded from `given`, for assertions on it. */
  state: () => State;
}>;

export type SpecWhen<Command, Event, State, Code extends string> = Readonly<{
  when: (command: Command) => SpecThen<Event, State, Code>;
}>;

export type Spec<Command, Event, State, Code extends string> = Readonly<{
  given: (events: readonly Event[]) => SpecWhen<Command, Event, State, Code>;
}>;

export const spec = <Command, Event, State, Code extends string>(
  decider: Decider<Command, Event, State, Code>,
): Spec<Command, Event, State, Code> => ({
  given: (events) => ({
    when: (command) => {
      const given = (): State => events.reduce(decider.evolve, decider.initialState());
      const run = (): Decision<Event, Code> => decider.decide(command, given());
      return {
        state: given,
        then: (expected) => {
          const decision = run();
          expect(decision).toEqual({ ok: true, events: expected });
          if (decision.ok) expect(() => decision.events.reduce(decider.evolve, given())).not.toThrow();
          return decision;
        },
        thenRefused: (code) => {
          const decision = run();
          expect(decision.ok, `expected refusal ${code}, got ${JSON.stringify(decision)}`).toBe(false);
          if (!decision.ok) expect(decision.error.code).toBe(code);
          return decision;
        },
        thenNothing: () => {
          const decision = run();
          expect(decision).toEqual({ ok: true, events: [] });
          return decision;
        },
      };
    },
  }),
});
