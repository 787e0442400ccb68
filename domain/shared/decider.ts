/**
 * The shape every aggregate follows: three pure functions and nothing else.
 * Time, ids and policies (such as the fee schedule) arrive inside commands, so
 * a decision is a function of (command, state) alone and replays are exact.
 */
export type Message<Type extends string, Data> = Readonly<{ type: Type; data: Readonly<Data> }>;

/** An expected business refusal: a stable code callers can branch on, and words for people. */
export type DomainError<Code extends string = string> = Readonly<{ code: Code; message: string }>;

export type Decision<Event, Code extends string = string> =
  Readonly<{ ok: true; events: readonly Event[] }> | Readonly<{ ok: false; error: DomainError<Code> }>;

export type Decider<Command, Event, State, Code extends string = string> = Readonly<{
  decide: (command: Command, state: State) => Decision<Event, Code>;
  evolve: (state: State, event: Event) => State;
  initialState: () => State;
}>;

export const accept = <Event>(...events: Event[]): Readonly<{ ok: true; events: readonly Event[] }> => ({
  ok: true,
  events,
});

export const refuse = <Code extends string>(
  code: Code,
  message: string,
): Readonly<{ ok: false; error: DomainError<Code> }> => ({ ok: false, error: { code, message } });

/** Folds a history into state; what auditors and the command side both use. */
export const fold = <Event, State>(
  decider: Pick<Decider<unknown, Event, State>, 'evolve' | 'initialState'>,
  events: Iterable<Event>,
): State => {
  let state = decider.initialState();
  for (const event of events) state = decider.evolve(state, event);
  return state;
};

/** A broken invariant is a bug, not a refusal: it throws. */
export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';
}

export const assertNever = (value: never, what = 'value'): never => {
  throw new InvariantViolation(`unhandled ${what}: ${JSON.stringify(value)}`);
};
