import { describe, expect, it } from 'vitest';
import { accept, InvariantViolation, refuse } from './index.ts';
import type { Decider, Message } from './index.ts';
import { spec } from './spec.ts';

// A toy counter: Add n (n > 0) records Added n; Add 0 is a no-op; a negative n is refused.
// `Corrupt` makes decide emit an event evolve rejects, to prove `then` folds what it checks.
type Command = Message<'Add', { n: number }> | Message<'Corrupt', { n: number }>;
type Event = Message<'Added', { n: number }>;
const counter: Decider<Command, Event, number, 'NEGATIVE'> = {
  initialState: () => 0,
  evolve: (total, event) => {
    if (event.data.n <= 0) throw new InvariantViolation('Added must be positive');
    return total + event.data.n;
  },
  decide: (command) => {
    if (command.type === 'Corrupt') return accept({ type: 'Added', data: { n: -command.data.n } });
    if (command.data.n < 0) return refuse('NEGATIVE', 'n must not be negative');
    return command.data.n === 0 ? accept() : accept({ type: 'Added', data: { n: command.data.n } });
  },
};
const added = (n: number): Event => ({ type: 'Added', data: { n } });
const add = (n: number): Command => ({ type: 'Add', data: { n } });
const specs = spec(counter);

describe('spec (given/when/then)', () => {
  it('passes when decide does what is expected, and folds the given events', () => {
    specs
      .given([added(2)])
      .when(add(3))
      .then([added(3)]);
    specs
      .given([added(2)])
      .when(add(-1))
      .thenRefused('NEGATIVE');
    specs
      .given([added(2)])
      .when(add(0))
      .thenNothing();
    expect(
      specs
        .given([added(2), added(5)])
        .when(add(1))
        .state(),
    ).toBe(7);
  });

  it('fails when decide does something else', () => {
    expect(() =>
      specs
        .given([])
        .when(add(3))
        .then([added(4)]),
    ).toThrow();
    expect(() => specs.given([]).when(add(3)).thenRefused('NEGATIVE')).toThrow();
    expect(() => specs.given([]).when(add(3)).thenNothing()).toThrow();
    expect(() => specs.given([]).when(add(-1)).then([])).toThrow();
  });

  it('fails when evolve rejects the events decide produced', () => {
    expect(() =>
      specs
        .given([])
        .when({ type: 'Corrupt', data: { n: 1 } })
        .then([added(-1)]),
    ).toThrow();
  });
});
