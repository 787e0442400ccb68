import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import type { InventoryCommand } from '../../domain/inventory/commands.ts';
import type { ListingCommand } from '../../domain/listing/commands.ts';
import type { OrderCommand } from '../../domain/order/commands.ts';
import type { PaymentCommand } from '../../domain/payment/commands.ts';
import type { SellerAccountCommand } from '../../domain/seller-account/commands.ts';
import { CURRENCY_EXPONENTS } from '../../domain/shared/money.ts';
import { toDomainCommand } from '../definition.ts';
import type { CommandDefinition } from '../definition.ts';
import type { CommandEnvelope } from '../envelope.ts';
import { commandPolicy } from '../policy.ts';
import { DEFAULT_FEE_SCHEDULE_ID } from '../../infra/fee-schedules.ts';
import { EXAMPLE_HISTORY, runExample } from './examples.ts';
import { allCommands } from './index.ts';
import { Currency, literalsOf } from './schemas.ts';

/**
 * Every command type of a domain union, spelled out: the argument must list
 * them all (a missing one is a type error naming it), so a command added to
 * the domain fails this file until it gets a definition.
 */
const everyType =
  <Type extends string>() =>
  <const List extends readonly Type[]>(
    list: List &
      ([Exclude<Type, List[number]>] extends [never] ? unknown : { missing: Exclude<Type, List[number]> }),
  ): readonly string[] =>
    list;

const DOMAIN_COMMAND_TYPES: Readonly<Record<string, readonly string[]>> = {
  listing: everyType<ListingCommand['type']>()([
    'CreateListing',
    'PublishListing',
    'ChangePrice',
    'WithdrawListing',
    'MarkSoldOut',
    'MarkBackInStock',
  ]),
  inventory: everyType<InventoryCommand['type']>()([
    'ReceiveStock',
    'AdjustStock',
    'ReserveStock',
    'ReleaseReservation',
    'ExpireReservation',
    'CommitReservation',
  ]),
  order: everyType<OrderCommand['type']>()([
    'PlaceOrder',
    'ConfirmStockReserved',
    'RejectOrder',
    'RecordPaymentCaptured',
    'ExpireOrder',
    'ShipOrder',
    'MarkDelivered',
    'ConfirmReceipt',
    'AutoCompleteOrder',
    'RequestCancellation',
    'AcceptCancellation',
    'DeclineCancellation',
    'CancelBySeller',
    'RequestReturn',
    'RecordReturnReceived',
    'RecordRefunded',
  ]),
  payment: everyType<PaymentCommand['type']>()([
    'StartPayment',
    'RecordAuthorization',
    'RequestCapture',
    'RecordCapture',
    'RequestVoid',
    'RecordVoid',
    'RequestRefund',
    'RecordRefund',
  ]),
  seller: everyType<SellerAccountCommand['type']>()([
    'HoldInEscrow',
    'ReleaseEscrow',
    'RefundEscrow',
    'RequestPayout',
    'RecordPayoutPaid',
    'RecordPayoutFailed',
  ]),
};

const envelopeFor = (definition: CommandDefinition, data: unknown): CommandEnvelope => ({
  name: definition.name,
  commandId: 'cmd-1',
  data: data as CommandEnvelope['data'],
  metadata: { correlationId: null, causationId: null, actor: null },
  receivedAt: '2025-06-01T00:00:00.000Z',
});

const HOUR = 3_600_000;
/** A server policy of the test's own: a EUR schedule unlike any default, and unusual windows. */
const EUR_FEES = {
  id: 'eur-2026-q1',
  rateBasisPoints: 725,
  fixedMinor: 35,
  currency: 'EUR',
  rounding: 'half-up',
} as const;
const POLICY = commandPolicy([EUR_FEES], { cancellationAnswerMs: 5 * HOUR, returnMs: 30 * 24 * HOUR });

const domainCommandOf = (definition: CommandDefinition, data: unknown) =>
  toDomainCommand(definition, data, envelopeFor(definition, data), POLICY) as Readonly<{
    type: string;
    data: Readonly<Record<string, unknown>>;
  }>;

describe('command definitions', () => {
  it('names are unique and read <category>.<kebab-action>', () => {
    const names = allCommands.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    for (const definition of allCommands) {
      expect(definition.name).toMatch(/^[a-z]+\.[a-z]+(-[a-z]+)*$/);
      expect(definition.name.split('.')[0]).toBe(definition.aggregate.category);
      expect(definition.description.length).toBeGreaterThan(20);
    }
  });

  it('cover every command type of every domain union, once', () => {
    const mapped: Record<string, string[]> = {};
    for (const definition of allCommands) {
      const { type } = domainCommandOf(definition, definition.example);
      (mapped[definition.aggregate.category] ??= []).push(type);
    }
    for (const list of Object.values(mapped)) list.sort();
    const expected = Object.fromEntries(
      Object.entries(DOMAIN_COMMAND_TYPES).map(([category, types]) => [category, [...types].sort()]),
    );
    expect(mapped).toEqual(expected);
  });

  describe.each(allCommands.map((d) => [d.name, d] as const))('%s', (_name, definition) => {
    const validator = Compile(definition.schema);

    it('its example validates against its schema and maps to a domain command', () => {
      expect(validator.Errors(definition.example)).toEqual([]);
      const command = domainCommandOf(definition, definition.example);
      expect(DOMAIN_COMMAND_TYPES[definition.aggregate.category]).toContain(command.type);
      // Every field of the request reaches the domain command unchanged.
      expect(command.data).toMatchObject(definition.example as object);
    });

    it('defaults `at` to the time the gateway received the command', () => {
      const { at: _at, ...withoutAt } = definition.example as Readonly<Record<string, unknown>>;
      expect(validator.Check(withoutAt)).toBe(true);
      expect(domainCommandOf(definition, withoutAt).data['at']).toBe('2025-06-01T00:00:00.000Z');
    });

    it('refuses unknown fields, wrong types and out-of-range numbers', () => {
      const example = definition.example as Readonly<Record<string, unknown>>;
      expect(validator.Check({ ...example, unexpected: true })).toBe(false);
      for (const [field, value] of Object.entries(example)) {
        expect(validator.Check({ ...example, [field]: [value] })).toBe(false);
        if (typeof value === 'number') {
          expect(validator.Check({ ...example, [field]: 1.5 })).toBe(false);
          expect(validator.Check({ ...example, [field]: Number.MAX_SAFE_INTEGER + 2 })).toBe(false);
        }
        if (typeof value === 'object' && value !== null && 'amount' in value) {
          expect(validator.Check({ ...example, [field]: { ...value, amount: -1 } })).toBe(false);
          expect(validator.Check({ ...example, [field]: { ...value, amount: 10.5 } })).toBe(false);
          expect(validator.Check({ ...example, [field]: { ...value, currency: 'XXX' } })).toBe(false);
        }
        if (typeof value === 'string') {
          expect(validator.Check({ ...example, [field]: 'x'.repeat(1001) })).toBe(false);
          expect(validator.Check({ ...example, [field]: '' })).toBe(false);
        }
      }
    });

    it('its example is accepted by the domain after its documented history, with events', () => {
      expect(EXAMPLE_HISTORY[definition.name]).toBeDefined();
      const outcome = runExample(definition, allCommands);
      expect(outcome).toMatchObject({ ok: true });
      if (outcome.ok) expect(outcome.events.length).toBeGreaterThan(0);
    });
  });

  it('quantities are positive integers and instants ISO-8601 UTC', () => {
    const reserve = allCommands.find((d) => d.name === 'inventory.reserve');
    const place = allCommands.find((d) => d.name === 'order.place');
    expect(reserve).toBeDefined();
    expect(place).toBeDefined();
    if (reserve === undefined || place === undefined) return;
    const check = Compile(reserve.schema);
    const example = reserve.example as Readonly<Record<string, unknown>>;
    for (const quantity of [0, -1, 2.5, '2']) expect(check.Check({ ...example, quantity })).toBe(false);
    for (const expiresAt of ['2025-03-01', '2025-03-01T10:35:00+01:00', 'tomorrow', '2025-13-01T00:00:00Z'])
      expect(check.Check({ ...example, expiresAt })).toBe(false);
    const checkPlace = Compile(place.schema);
    const order = place.example as Readonly<{ lines: readonly Readonly<Record<string, unknown>>[] }>;
    const [line] = order.lines;
    expect(checkPlace.Check({ ...order, lines: [] })).toBe(false);
    expect(checkPlace.Check({ ...order, lines: [{ ...line, quantity: -3 }] })).toBe(false);
    expect(checkPlace.Check({ ...order, lines: Array.from({ length: 101 }, () => line) })).toBe(false);
  });

  describe('server policy, never the client', () => {
    const named = (name: string): CommandDefinition => {
      const definition = allCommands.find((d) => d.name === name);
      if (definition === undefined) throw new Error(`no ${name}`);
      return definition;
    };
    const example = (name: string) => named(name).example as Readonly<Record<string, unknown>>;

    it.each([
      ['order.place', 'feeSchedule', { ...EUR_FEES, rateBasisPoints: 0, fixedMinor: 0 }],
      ['order.request-cancellation', 'answerDeadline', '2099-01-01T00:00:00.000Z'],
      ['order.request-return', 'returnWindowMillis', 10 * 365 * 24 * HOUR],
    ])('%s refuses a client-sent %s', (name, field, value) => {
      const validator = Compile(named(name).schema);
      expect(validator.Check(example(name))).toBe(true);
      expect(validator.Check({ ...example(name), [field]: value })).toBe(false);
      expect(validator.Errors({ ...example(name), [field]: value })).not.toEqual([]);
    });

    it('order.place snapshots the schedule configured for the order currency', () => {
      const eur = domainCommandOf(named('order.place'), example('order.place'));
      expect(eur.data['feeSchedule']).toEqual(EUR_FEES);
      const usd = domainCommandOf(named('order.place'), {
        ...example('order.place'),
        currency: 'USD',
        lines: (example('order.place')['lines'] as readonly Readonly<Record<string, unknown>>[]).map((l) => ({
          ...l,
          unitPrice: { amount: 100, currency: 'USD' },
        })),
      });
      expect(usd.data['feeSchedule']).toEqual({
        id: DEFAULT_FEE_SCHEDULE_ID,
        rateBasisPoints: 1000,
        fixedMinor: 0,
        currency: 'USD',
        rounding: 'half-even',
      });
    });

    it('the cancellation answer deadline is `at` + the configured window', () => {
      const command = domainCommandOf(named('order.request-cancellation'), {
        ...example('order.request-cancellation'),
        at: '2025-03-01T10:00:00.000Z',
      });
      expect(command.data['answerDeadline']).toBe('2025-03-01T15:00:00.000Z');
      const { at: _at, ...withoutAt } = example('order.request-cancellation');
      const received = domainCommandOf(named('order.request-cancellation'), withoutAt);
      expect(received.data['answerDeadline']).toBe('2025-06-01T05:00:00.000Z');
    });

    it('the return window is the configured one', () => {
      const command = domainCommandOf(named('order.request-return'), example('order.request-return'));
      expect(command.data['returnWindowMillis']).toBe(30 * 24 * HOUR);
    });
  });

  it('the currency schema lists exactly the currencies the domain knows', () => {
    expect([...literalsOf(Currency)].sort()).toEqual(Object.keys(CURRENCY_EXPONENTS).sort());
  });
});
