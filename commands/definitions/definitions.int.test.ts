/**
 * Every command over the real wire: each definition's documented story (its
 * history, then its example) is sent through NATS to a gateway serving
 * `allCommands` on Postgres, on a stream of its own, and must be accepted with
 * the events docs/commands.md shows.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresEventStore } from '../../infra/event-store/postgres/postgres-event-store.ts';
import type { TestSchema } from '../../infra/postgres/test-database.ts';
import type { CommandDefinition } from '../definition.ts';
import type { Reply } from '../envelope.ts';
import { EXAMPLE_HISTORY, exampleAcceptedReply } from './examples.ts';
import { allCommands } from './index.ts';
import type { CommandBus } from '../command-bus.ts';
import { openTestCommandSide, startTestGateway } from '../test/command-side.ts';
import type { TestGateway } from '../test/command-side.ts';

/** The example with its stream key made unique, so every story has a stream of its own. */
const onOwnStream = (definition: CommandDefinition, suffix: string): Readonly<Record<string, unknown>> => {
  const example = definition.example as Readonly<Record<string, unknown>>;
  const key = (definition.streamKey as (data: unknown) => string)(example);
  return Object.fromEntries(
    Object.entries(example).map(([field, value]) => [field, value === key ? `${key}-${suffix}` : value]),
  );
};

describe('every command definition over NATS (real NATS and Postgres)', () => {
  let db: TestSchema;
  let store: PostgresEventStore;
  let wire: TestGateway;
  let client: NatsConnection;
  let prefix: string;
  const byName = new Map(allCommands.map((d) => [d.name, d]));

  beforeAll(async () => {
    let bus: CommandBus;
    ({ db, store, bus } = await openTestCommandSide('cmd_alldefs', 8, { definitions: allCommands }));
    wire = await startTestGateway(bus, 'alldefs');
    ({ client, prefix } = wire);
  });
  afterAll(async () => {
    await wire.close();
    await db.drop();
  });

  const send = async (name: string, data: unknown): Promise<Reply> =>
    (
      await client.request(`${prefix}.${name}`, JSON.stringify({ commandId: uuidv7(), data }), {
        timeout: 10_000,
      })
    ).json<Reply>();

  it.each(allCommands.map((d) => [d.name, d] as const))(
    '%s is accepted after its history, with the documented events',
    async (name, definition) => {
      const suffix = uuidv7().slice(-12);
      for (const step of EXAMPLE_HISTORY[name] ?? []) {
        const prior = byName.get(step);
        expect(prior).toBeDefined();
        if (prior === undefined) return;
        expect(await send(step, onOwnStream(prior, suffix))).toMatchObject({ status: 'accepted' });
      }
      const reply = await send(name, onOwnStream(definition, suffix));
      const documented = exampleAcceptedReply(definition, allCommands);
      expect(reply).toMatchObject({
        status: 'accepted',
        streamId: `${documented.streamId}-${suffix}`,
        revision: documented.revision,
      });
      if (reply.status !== 'accepted') return;
      expect(reply.events.map((e) => [e.type, e.revision])).toEqual(
        documented.events.map((e) => [e.type, e.revision]),
      );
      const stored = await store.readStream(reply.streamId);
      expect(stored.map((e) => e.eventId).slice(-reply.events.length)).toEqual(
        reply.events.map((e) => e.eventId),
      );
    },
  );
});
