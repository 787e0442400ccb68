import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandBus } from '../../commands/command-bus.ts';
import type { CommandDefinition } from '../../commands/definition.ts';
import { listingCommands } from '../../commands/definitions/index.ts';
import { openCommandSide } from '../../commands/open.ts';
import { commandPolicy } from '../../commands/policy.ts';
import { aggregates } from '../../domain/aggregates.ts';
import { openAuditor } from '../../infra/audit/auditor.ts';
import type { Auditor } from '../../infra/audit/auditor.ts';
import { openPostgresEventStore } from '../../infra/event-store/postgres/open.ts';
import { createTestSchema } from '../../infra/postgres/test-database.ts';
import type { TestSchema } from '../../infra/postgres/test-database.ts';

/**
 * The state an auditor folds as of revision r must be exactly the state the
 * command side decided on when the stream stood at r, for any history. The
 * command side's view is captured by wrapping the listing decider's `decide`.
 */
const seen: unknown[] = [];

const spied: readonly CommandDefinition[] = listingCommands.map((definition) => ({
  ...definition,
  aggregate: {
    ...definition.aggregate,
    decider: {
      ...definition.aggregate.decider,
      decide: (command: unknown, state: unknown) => {
        seen.push(structuredClone(state));
        return definition.aggregate.decider.decide(command, state);
      },
    },
  },
}));

const SELLER = 'seller-1';
const START_MS = Date.parse('2026-01-01T00:00:00.000Z');

type Step = Readonly<{ name: string; data: Record<string, unknown> }>;

const money = fc.record({ amount: fc.integer({ min: 1, max: 1_000_000 }), currency: fc.constant('EUR') });
const by = fc.constantFrom(SELLER, SELLER, 'someone-else');
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ name: fc.constant('listing.publish'), data: fc.record({ by }) }),
  fc.record({ name: fc.constant('listing.change-price'), data: fc.record({ by, price: money }) }),
  fc.record({ name: fc.constant('listing.withdraw'), data: fc.record({ by }) }),
  fc.record({ name: fc.constant('listing.mark-sold-out'), data: fc.constant({}) }),
  fc.record({ name: fc.constant('listing.mark-back-in-stock'), data: fc.constant({}) }),
);

describe('as-of state equals what the command side saw (property, real Postgres)', () => {
  let db: TestSchema;
  let bus: CommandBus;
  let auditor: Auditor;
  let clockMs = START_MS;

  beforeAll(async () => {
    db = await createTestSchema('audit_asof', 6);
    // Every append gets its own second, so "as of a time" has an exact answer to compare.
    const clock = (): Date => new Date((clockMs += 1000));
    const store = await openPostgresEventStore({ pool: db.pool, schema: db.schema, clock });
    ({ bus } = await openCommandSide({
      pool: db.pool,
      store,
      schema: db.schema,
      definitions: spied,
      policy: commandPolicy(),
      logger: pino({ level: 'silent' }),
      clock,
    }));
    auditor = await openAuditor({ pool: db.pool, schema: db.schema, aggregates });
  });
  afterAll(async () => {
    await db.drop();
  });

  it('for random listing histories, by revision and by time', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 0, maxLength: 14 }), money, async (steps, price) => {
        run += 1;
        const listingId = `l${run}`;
        const streamId = `listing-${listingId}`;
        const commands: Step[] = [
          {
            name: 'listing.create',
            data: { sellerId: SELLER, title: `Lamp ${run}`, price, sku: `sku-${run}` },
          },
          ...steps,
          // A probe nobody may send successfully: it shows the final state the command side holds.
          { name: 'listing.publish', data: { by: 'probe-nobody' } },
        ];
        seen.length = 0;
        let revision = -1;
        const states: { revision: number; state: unknown; appendedAt: string | null }[] = [];
        for (const [i, command] of commands.entries()) {
          const at = new Date(START_MS + i).toISOString();
          const reply = await bus.execute(command.name, {
            commandId: `${listingId}-c${i}`,
            data: { listingId, at, ...command.data },
            metadata: { actor: 'property', correlationId: listingId },
          });
          expect(seen).toHaveLength(i + 1);
          states.push({ revision, state: seen[i], appendedAt: null });
          if (reply.status === 'accepted' && reply.events.length > 0) {
            revision = reply.revision;
            const [last] = (await auditor.history(streamId, { fromRevision: revision, limit: 1 })).events;
            states.push({ revision, state: undefined, appendedAt: last?.recordedAt ?? null });
          }
        }
        const seenAt = states.filter((s) => s.appendedAt === null);
        for (const { revision: r, state } of seenAt) {
          if (r < 0) continue;
          const asOf = await auditor.state(streamId, { revision: r });
          expect(asOf.revision).toBe(r);
          expect(asOf.state).toEqual(state);
        }
        // By time: right after each append, the state is what the next command was decided on.
        for (const [i, entry] of states.entries()) {
          if (entry.appendedAt === null) continue;
          const next = states[i + 1];
          const asOf = await auditor.state(streamId, { at: entry.appendedAt });
          expect(asOf.revision).toBe(entry.revision);
          expect(asOf.state).toEqual(next?.state);
        }
        const before = await auditor.state(streamId, { at: new Date(START_MS).toISOString() });
        expect(before).toMatchObject({ revision: -1, eventCount: 0, state: seen[0] });
        const latest = await auditor.state(streamId, { latest: true });
        expect(latest.state).toEqual(seen.at(-1));
      }),
      { numRuns: 40 },
    );
  });
});
