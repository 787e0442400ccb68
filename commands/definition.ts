import type { Static, TSchema } from 'typebox';
import type { Decider } from '../domain/shared/decider.ts';
import type { JsonValue } from '../infra/event-store/port.ts';
import type { CommandEnvelope } from './envelope.ts';
import type { CommandPolicy } from './policy.ts';

type DomainEvent = Readonly<{ type: string; data: unknown }>;

/** An aggregate as the command side sees it: a category (stream prefix) and its decider. */
export type Aggregate<Command, Event extends DomainEvent, State> = Readonly<{
  category: string;
  decider: Decider<Command, Event, State>;
}>;

/** The erased form the pipeline runs; `defineCommand` checks the types when it is built. */
export type CommandDefinition = Readonly<{
  /** `<aggregate>.<action>`: the subject is `commerce.v1.cmd.<name>`. */
  name: string;
  description: string;
  /** JSON schema of `data` (TypeBox), with `additionalProperties: false` throughout. */
  schema: TSchema;
  aggregate: Aggregate<unknown, DomainEvent, unknown>;
  /** The id part of the stream the command goes to (`<category>-<id>`). */
  streamKey: (data: never) => string;
  /** Server policy (fees, windows) comes in `policy`, never in `data`. */
  toCommand: (data: never, envelope: CommandEnvelope, policy: CommandPolicy) => unknown;
  example: JsonValue;
}>;

export const defineCommand = <Schema extends TSchema, Command, Event extends DomainEvent, State>(definition: {
  name: string;
  description: string;
  schema: Schema;
  aggregate: Aggregate<Command, Event, State>;
  streamKey: (data: Static<Schema>) => string;
  toCommand: (data: Static<Schema>, envelope: CommandEnvelope, policy: CommandPolicy) => Command;
  example: Static<Schema> & JsonValue;
}): CommandDefinition => definition as unknown as CommandDefinition;

export const streamIdOf = (definition: CommandDefinition, data: unknown): string =>
  `${definition.aggregate.category}-${(definition.streamKey as (d: unknown) => string)(data)}`;

export const toDomainCommand = (
  definition: CommandDefinition,
  data: unknown,
  envelope: CommandEnvelope,
  policy: CommandPolicy,
): unknown =>
  (definition.toCommand as (d: unknown, e: CommandEnvelope, p: CommandPolicy) => unknown)(
    data,
    envelope,
    policy,
  );
