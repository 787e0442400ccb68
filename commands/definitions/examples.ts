/**
 * Every definition's example is a step of one coherent story per aggregate:
 * `EXAMPLE_HISTORY` names the commands (by their examples) that come before
 * it on the same stream. Running the story through the real decider gives
 * the example replies in docs/commands.md, and a unit test checks that each
 * example is accepted with at least one event, so the documented examples can
 * never drift into requests the domain refuses.
 */
import { streamIdOf, toDomainCommand } from '../definition.ts';
import type { CommandDefinition } from '../definition.ts';
import type { AcceptedReply, CommandEnvelope } from '../envelope.ts';
import { commandPolicy } from '../policy.ts';
import type { CommandPolicy } from '../policy.ts';
import type { JsonValue } from '../../infra/event-store/port.ts';

const PAID = ['order.place', 'order.confirm-stock-reserved', 'order.record-payment-captured'];
const DELIVERED = [...PAID, 'order.ship', 'order.mark-delivered'];
const PAYMENT_AUTHORIZED = ['payment.start', 'payment.record-authorization'];
const PAYMENT_CAPTURED = [...PAYMENT_AUTHORIZED, 'payment.request-capture', 'payment.record-capture'];
const PAYOUT_REQUESTED = ['seller.hold-in-escrow', 'seller.release-escrow', 'seller.request-payout'];

export const EXAMPLE_HISTORY: Readonly<Record<string, readonly string[]>> = {
  'listing.create': [],
  'listing.publish': ['listing.create'],
  'listing.change-price': ['listing.create', 'listing.publish'],
  'listing.withdraw': ['listing.create', 'listing.publish'],
  'listing.mark-sold-out': ['listing.create', 'listing.publish'],
  'listing.mark-back-in-stock': ['listing.create', 'listing.publish', 'listing.mark-sold-out'],

  'inventory.receive': [],
  'inventory.adjust': ['inventory.receive'],
  'inventory.reserve': ['inventory.receive'],
  'inventory.release': ['inventory.receive', 'inventory.reserve'],
  'inventory.expire-reservation': ['inventory.receive', 'inventory.reserve'],
  'inventory.commit': ['inventory.receive', 'inventory.reserve'],

  'order.place': [],
  'order.confirm-stock-reserved': ['order.place'],
  'order.reject': ['order.place'],
  'order.record-payment-captured': ['order.place', 'order.confirm-stock-reserved'],
  'order.expire': ['order.place', 'order.confirm-stock-reserved'],
  'order.ship': PAID,
  'order.mark-delivered': [...PAID, 'order.ship'],
  'order.confirm-receipt': DELIVERED,
  'order.auto-complete': DELIVERED,
  'order.request-cancellation': PAID,
  'order.accept-cancellation': [...PAID, 'order.request-cancellation'],
  'order.decline-cancellation': [...PAID, 'order.request-cancellation'],
  'order.cancel-by-seller': PAID,
  'order.request-return': DELIVERED,
  'order.record-return-received': [...DELIVERED, 'order.request-return'],
  'order.record-refunded': [...DELIVERED, 'order.request-return', 'order.record-return-received'],

  'payment.start': [],
  'payment.record-authorization': ['payment.start'],
  'payment.request-capture': PAYMENT_AUTHORIZED,
  'payment.record-capture': [...PAYMENT_AUTHORIZED, 'payment.request-capture'],
  'payment.request-void': PAYMENT_AUTHORIZED,
  'payment.record-void': [...PAYMENT_AUTHORIZED, 'payment.request-void'],
  'payment.request-refund': PAYMENT_CAPTURED,
  'payment.record-refund': [...PAYMENT_CAPTURED, 'payment.request-refund'],

  'seller.hold-in-escrow': [],
  'seller.release-escrow': ['seller.hold-in-escrow'],
  'seller.refund-escrow': ['seller.hold-in-escrow'],
  'seller.request-payout': ['seller.hold-in-escrow', 'seller.release-escrow'],
  'seller.record-payout-paid': PAYOUT_REQUESTED,
  'seller.record-payout-failed': PAYOUT_REQUESTED,
};

export type ExampleOutcome =
  | Readonly<{ ok: true; streamId: string; revision: number; events: readonly DomainEvent[] }>
  | Readonly<{ ok: false; step: string; code: string; message: string }>;

type DomainEvent = Readonly<{ type: string; data: unknown }>;

const EXAMPLE_RECEIVED_AT = '2025-03-01T12:00:00.000Z';

/** The server policy the examples are decided under: the documented defaults (docs/operations.md). */
export const EXAMPLE_POLICY: CommandPolicy = commandPolicy();

/** The envelope an example travels in (the same ids everywhere, so the docs are stable). */
export const exampleEnvelope = (definition: CommandDefinition): CommandEnvelope => ({
  name: definition.name,
  commandId: `cmd-example-${definition.name.replaceAll('.', '-')}`,
  data: definition.example,
  metadata: { correlationId: 'corr-checkout-5d1e', causationId: null, actor: 'svc-checkout' },
  receivedAt: EXAMPLE_RECEIVED_AT,
});

/** Decides `definition.example` after its history, with the definitions' own decider. */
export const runExample = (
  definition: CommandDefinition,
  definitions: readonly CommandDefinition[],
): ExampleOutcome => {
  const byName = new Map(definitions.map((d) => [d.name, d]));
  const history = EXAMPLE_HISTORY[definition.name];
  if (history === undefined)
    return { ok: false, step: definition.name, code: 'NO_HISTORY', message: 'not in EXAMPLE_HISTORY' };
  const { decide, evolve, initialState } = definition.aggregate.decider;
  let state = initialState();
  let revision = -1;
  for (const name of [...history, definition.name]) {
    const step = byName.get(name);
    if (step === undefined) return { ok: false, step: name, code: 'NO_DEFINITION', message: 'unknown' };
    const decision = decide(
      toDomainCommand(step, step.example, exampleEnvelope(step), EXAMPLE_POLICY),
      state,
    );
    if (!decision.ok) return { ok: false, step: name, ...decision.error };
    for (const event of decision.events) state = evolve(state, event);
    revision += decision.events.length;
    if (name === definition.name)
      return {
        ok: true,
        streamId: streamIdOf(definition, definition.example),
        revision,
        events: decision.events,
      };
  }
  return { ok: false, step: definition.name, code: 'UNREACHABLE', message: 'unreachable' };
};

/** Ids shaped like the UUIDv7 the pipeline assigns, but fixed so generated docs do not churn. */
const exampleEventId = (n: number): string => `0195519a-4c00-7000-8000-${String(n).padStart(12, '0')}`;

export const exampleAcceptedReply = (
  definition: CommandDefinition,
  definitions: readonly CommandDefinition[],
): AcceptedReply => {
  const outcome = runExample(definition, definitions);
  if (!outcome.ok)
    throw new Error(
      `example of ${definition.name} is refused at ${outcome.step}: ${outcome.code} ${outcome.message}`,
    );
  const first = outcome.revision - outcome.events.length + 1;
  return {
    status: 'accepted',
    commandId: exampleEnvelope(definition).commandId,
    streamId: outcome.streamId,
    revision: outcome.revision,
    position: '1843227:90412',
    events: outcome.events.map((event, i) => ({
      eventId: exampleEventId(first + i + 1),
      type: event.type,
      revision: first + i,
    })),
  };
};

export const exampleRequest = (definition: CommandDefinition): JsonValue => {
  const envelope = exampleEnvelope(definition);
  return {
    commandId: envelope.commandId,
    data: envelope.data,
    metadata: { correlationId: 'corr-checkout-5d1e', actor: 'svc-checkout' },
  };
};
