import { describe, expect, it } from 'vitest';
import { fold, InvariantViolation } from '../shared/index.ts';
import { toRecord } from '../shared/persistent-map.ts';
import { spec } from '../shared/spec.ts';
import {
  available,
  category,
  evolve,
  initialState,
  INVENTORY_ERROR_CODES,
  inventoryDecider,
  streamId,
} from './index.ts';
import type {
  AdjustStock,
  InventoryEvent,
  ReceiveStock,
  ReleaseReservation,
  ReservationReleased,
  ReserveStock,
  StockReceived,
  StockReserved,
} from './index.ts';

const sku = 'SKU-1';
const T0 = '2025-03-01T10:00:00.000Z';
const T1 = '2025-03-01T10:05:00.000Z';
const EXPIRY = '2025-03-01T10:30:00.000Z';
const AFTER = '2025-03-01T10:30:00.001Z';
const LATE = '2025-03-01T11:00:00.000Z';

// --- events ------------------------------------------------------------------

const received = (quantity: number, onHand: number, receiptId = 'rcpt-1'): StockReceived => ({
  type: 'StockReceived',
  data: { sku, receiptId, quantity, onHand, receivedAt: T0 },
});
const adjusted = (delta: number, onHand: number, at = T1, adjustmentId = 'adj-1'): InventoryEvent => ({
  type: 'StockAdjusted',
  data: { sku, adjustmentId, delta, reason: 'count', onHand, adjustedAt: at },
});
const reserved = (
  reservationId: string,
  quantity: number,
  orderId = `order-${reservationId}`,
  expiresAt = EXPIRY,
  reservedAt = T0,
): StockReserved => ({
  type: 'StockReserved',
  data: { sku, reservationId, orderId, quantity, expiresAt, reservedAt },
});
const released = (r: StockReserved, at = T1): ReservationReleased => ({
  type: 'ReservationReleased',
  data: {
    sku,
    reservationId: r.data.reservationId,
    orderId: r.data.orderId,
    quantity: r.data.quantity,
    reason: 'order rejected',
    releasedAt: at,
  },
});
const expired = (r: StockReserved, at = AFTER): InventoryEvent => ({
  type: 'ReservationExpired',
  data: {
    sku,
    reservationId: r.data.reservationId,
    orderId: r.data.orderId,
    quantity: r.data.quantity,
    expiredAt: at,
  },
});
const committed = (r: StockReserved, onHand: number, at = T1): InventoryEvent => ({
  type: 'ReservationCommitted',
  data: {
    sku,
    reservationId: r.data.reservationId,
    orderId: r.data.orderId,
    quantity: r.data.quantity,
    onHand,
    committedAt: at,
  },
});

// --- commands ----------------------------------------------------------------

const receive = (quantity = 5, overrides: Partial<ReceiveStock['data']> = {}): ReceiveStock => ({
  type: 'ReceiveStock',
  data: { sku, receiptId: 'rcpt-1', quantity, at: T0, ...overrides },
});
const adjust = (delta: number, overrides: Partial<AdjustStock['data']> = {}): AdjustStock => ({
  type: 'AdjustStock',
  data: { sku, adjustmentId: 'adj-1', delta, reason: 'count', at: T1, ...overrides },
});
const reserve = (
  reservationId: string,
  quantity: number,
  overrides: Partial<ReserveStock['data']> = {},
): ReserveStock => ({
  type: 'ReserveStock',
  data: {
    sku,
    reservationId,
    orderId: `order-${reservationId}`,
    quantity,
    expiresAt: EXPIRY,
    at: T0,
    ...overrides,
  },
});
const release = (reservationId: string, overrides: Partial<ReleaseReservation['data']> = {}) =>
  ({
    type: 'ReleaseReservation',
    data: { sku, reservationId, reason: 'order rejected', at: T1, ...overrides },
  }) as const;
const expire = (reservationId: string, at = AFTER) =>
  ({ type: 'ExpireReservation', data: { sku, reservationId, at } }) as const;
const commit = (reservationId: string, at = T1) =>
  ({ type: 'CommitReservation', data: { sku, reservationId, at } }) as const;

const inventory = spec(inventoryDecider);

const r1 = reserved('r1', 2);
const r2 = reserved('r2', 3);
const stocked = [received(5, 5)];

describe('inventory stream', () => {
  it('is named inventory-<sku> and its codes are stable strings', () => {
    expect(category).toBe('inventory');
    expect(streamId('SKU-1')).toBe('inventory-SKU-1');
    expect(INVENTORY_ERROR_CODES).toContain('INSUFFICIENT_STOCK');
    expect(new Set(INVENTORY_ERROR_CODES).size).toBe(INVENTORY_ERROR_CODES.length);
  });
});

describe('any command', () => {
  it('is refused when at is not an ISO instant', () => {
    inventory
      .given([])
      .when(receive(5, { at: 'yesterday' }))
      .thenRefused('INVALID_INSTANT');
  });
  it('is refused without a SKU', () => {
    inventory
      .given([])
      .when(receive(5, { sku: ' ' }))
      .thenRefused('INVALID_SKU');
  });
  it('is refused for another SKU than the stream holds', () => {
    inventory
      .given(stocked)
      .when(receive(5, { sku: 'SKU-2', receiptId: 'rcpt-2' }))
      .thenRefused('SKU_MISMATCH');
    inventory
      .given(stocked)
      .when(release('r1', { sku: 'SKU-2' }))
      .thenRefused('SKU_MISMATCH');
  });
});

describe('ReceiveStock', () => {
  it('adds units and records the new level', () => {
    inventory
      .given([])
      .when(receive(5))
      .then([received(5, 5)]);
    inventory
      .given(stocked)
      .when(receive(3, { receiptId: 'rcpt-2' }))
      .then([received(3, 8, 'rcpt-2')]);
  });
  it('is a no-op when the same receipt is re-sent', () => {
    inventory.given(stocked).when(receive(5)).thenNothing();
  });
  it('is refused when the receipt id was used with another quantity', () => {
    inventory.given(stocked).when(receive(4)).thenRefused('RECEIPT_CONFLICT');
  });
  it.each([
    ['zero', 0],
    ['negative', -1],
    ['fractional', 1.5],
    ['NaN', Number.NaN],
    ['unsafe', Number.MAX_SAFE_INTEGER + 1],
  ])('refuses a %s quantity', (_name, quantity) => {
    inventory.given([]).when(receive(quantity)).thenRefused('INVALID_QUANTITY');
  });
  it('refuses an empty receipt id', () => {
    inventory
      .given([])
      .when(receive(5, { receiptId: '' }))
      .thenRefused('INVALID_ID');
  });
  it('refuses a level that would not be an exact integer', () => {
    inventory
      .given([received(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)])
      .when(receive(1, { receiptId: 'rcpt-2' }))
      .thenRefused('STOCK_LIMIT_EXCEEDED');
  });
});

describe('AdjustStock', () => {
  it('corrects the level up or down with a reason', () => {
    inventory
      .given(stocked)
      .when(adjust(2))
      .then([adjusted(2, 7)]);
    inventory
      .given(stocked)
      .when(adjust(-5))
      .then([adjusted(-5, 0)]);
  });
  it('may lower the level down to what is reserved', () => {
    inventory
      .given([...stocked, r1])
      .when(adjust(-3))
      .then([adjusted(-3, 2)]);
  });
  it('is refused below what unexpired reservations hold', () => {
    inventory
      .given([...stocked, r1])
      .when(adjust(-4))
      .thenRefused('BELOW_RESERVED');
  });
  it('is refused below zero', () => {
    inventory.given(stocked).when(adjust(-6)).thenRefused('NEGATIVE_STOCK');
    inventory.given([]).when(adjust(-1)).thenRefused('NEGATIVE_STOCK');
  });
  it('expires reservations past their expiry whose units it writes off', () => {
    inventory
      .given([...stocked, r1])
      .when(adjust(-4, { at: AFTER }))
      .then([expired(r1), adjusted(-4, 1, AFTER)]);
  });
  it('is a no-op when the same adjustment is re-sent, even after the level moved', () => {
    inventory
      .given([...stocked, adjusted(-5, 0)])
      .when(adjust(-5))
      .thenNothing();
  });
  it('is refused when the adjustment id was used with other data', () => {
    inventory
      .given([...stocked, adjusted(-5, 0)])
      .when(adjust(-4))
      .thenRefused('ADJUSTMENT_CONFLICT');
    inventory
      .given([...stocked, adjusted(-5, 0)])
      .when(adjust(-5, { reason: 'theft' }))
      .thenRefused('ADJUSTMENT_CONFLICT');
  });
  it('refuses a zero or fractional delta, an empty reason or id', () => {
    inventory.given(stocked).when(adjust(0)).thenRefused('INVALID_QUANTITY');
    inventory.given(stocked).when(adjust(0.5)).thenRefused('INVALID_QUANTITY');
    inventory
      .given(stocked)
      .when(adjust(1, { reason: '  ' }))
      .thenRefused('INVALID_REASON');
    inventory
      .given(stocked)
      .when(adjust(1, { adjustmentId: '' }))
      .thenRefused('INVALID_ID');
  });
  it('refuses a level that would not be an exact integer', () => {
    inventory
      .given([received(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)])
      .when(adjust(1))
      .thenRefused('STOCK_LIMIT_EXCEEDED');
  });
});

describe('ReserveStock', () => {
  it('holds available units for an order', () => {
    inventory.given(stocked).when(reserve('r1', 2)).then([r1]);
    inventory
      .given([...stocked, r1])
      .when(reserve('r2', 3))
      .then([r2]);
  });
  it('is refused when the quantity exceeds what is available', () => {
    inventory
      .given([...stocked, r1])
      .when(reserve('r2', 4))
      .thenRefused('INSUFFICIENT_STOCK');
    inventory.given([]).when(reserve('r1', 1)).thenRefused('INSUFFICIENT_STOCK');
  });
  it('does not count expired reservations: it expires them and reserves their units', () => {
    inventory
      .given([...stocked, r1])
      .when(reserve('r2', 4, { at: AFTER, expiresAt: LATE }))
      .then([expired(r1), reserved('r2', 4, 'order-r2', LATE, AFTER)]);
  });
  it('counts a reservation up to the instant before its expiry, and not at it', () => {
    inventory
      .given([...stocked, r1])
      .when(reserve('r2', 4, { at: '2025-03-01T10:29:59.999Z', expiresAt: LATE }))
      .thenRefused('INSUFFICIENT_STOCK');
    inventory
      .given([...stocked, r1])
      .when(reserve('r2', 4, { at: EXPIRY, expiresAt: LATE }))
      .then([expired(r1, EXPIRY), reserved('r2', 4, 'order-r2', LATE, EXPIRY)]);
  });
  it('leaves expired reservations alone when it does not need their units', () => {
    inventory
      .given([...stocked, r1])
      .when(reserve('r2', 3, { at: AFTER, expiresAt: LATE }))
      .then([reserved('r2', 3, 'order-r2', LATE, AFTER)]);
  });
  it('is a no-op when the same reservation is repeated, whatever its expiry', () => {
    inventory
      .given([...stocked, r1])
      .when(reserve('r1', 2))
      .thenNothing();
    inventory
      .given([...stocked, r1])
      .when(reserve('r1', 2, { at: T1, expiresAt: LATE }))
      .thenNothing();
  });
  it('is a no-op when repeated after stock ran out (the hold already stands)', () => {
    inventory
      .given([...stocked, r1, r2])
      .when(reserve('r1', 2))
      .thenNothing();
  });
  it('is refused when the id is reused for another order or quantity', () => {
    inventory
      .given([...stocked, r1])
      .when(reserve('r1', 3))
      .thenRefused('RESERVATION_CONFLICT');
    inventory
      .given([...stocked, r1])
      .when(reserve('r1', 2, { orderId: 'order-x' }))
      .thenRefused('RESERVATION_CONFLICT');
    inventory
      .given([...stocked, r1, released(r1)])
      .when(reserve('r1', 1))
      .thenRefused('RESERVATION_CONFLICT');
  });
  it('is refused when the id was released, expired or committed: an id names one hold, once', () => {
    inventory
      .given([...stocked, r1, released(r1)])
      .when(reserve('r1', 2))
      .thenRefused('RESERVATION_SETTLED');
    inventory
      .given([...stocked, r1, expired(r1)])
      .when(reserve('r1', 2))
      .thenRefused('RESERVATION_SETTLED');
    inventory
      .given([...stocked, r1, committed(r1, 3)])
      .when(reserve('r1', 2))
      .thenRefused('RESERVATION_SETTLED');
  });
  it('refuses an expiry not after at', () => {
    inventory
      .given(stocked)
      .when(reserve('r1', 2, { expiresAt: T0 }))
      .thenRefused('INVALID_EXPIRY');
    inventory
      .given(stocked)
      .when(reserve('r1', 2, { at: T1, expiresAt: T0 }))
      .thenRefused('INVALID_EXPIRY');
  });
  it('refuses a malformed expiry, quantity or id', () => {
    inventory
      .given(stocked)
      .when(reserve('r1', 2, { expiresAt: 'soon' }))
      .thenRefused('INVALID_INSTANT');
    inventory.given(stocked).when(reserve('r1', 0)).thenRefused('INVALID_QUANTITY');
    inventory.given(stocked).when(reserve('r1', 1.5)).thenRefused('INVALID_QUANTITY');
    inventory.given(stocked).when(reserve('', 1)).thenRefused('INVALID_ID');
    inventory
      .given(stocked)
      .when(reserve('r1', 1, { orderId: '' }))
      .thenRefused('INVALID_ID');
  });
});

describe('ReleaseReservation', () => {
  it('gives the units back', () => {
    inventory
      .given([...stocked, r1])
      .when(release('r1'))
      .then([released(r1)]);
  });
  it('releases an expired reservation whose timer has not fired yet', () => {
    inventory
      .given([...stocked, r1])
      .when(release('r1', { at: LATE }))
      .then([released(r1, LATE)]);
  });
  it('is a no-op once released or expired', () => {
    inventory
      .given([...stocked, r1, released(r1)])
      .when(release('r1'))
      .thenNothing();
    inventory
      .given([...stocked, r1, expired(r1)])
      .when(release('r1'))
      .thenNothing();
  });
  it('is refused once committed: the units left with the order', () => {
    inventory
      .given([...stocked, r1, committed(r1, 3)])
      .when(release('r1'))
      .thenRefused('RESERVATION_SETTLED');
  });
  it('is refused for an unknown reservation', () => {
    inventory.given(stocked).when(release('r9')).thenRefused('RESERVATION_NOT_FOUND');
  });
  it('refuses an empty reason or id', () => {
    inventory
      .given([...stocked, r1])
      .when(release('r1', { reason: '' }))
      .thenRefused('INVALID_REASON');
    inventory
      .given([...stocked, r1])
      .when(release(''))
      .thenRefused('INVALID_ID');
  });
});

describe('ExpireReservation', () => {
  it('releases the units at or after expiresAt', () => {
    inventory
      .given([...stocked, r1])
      .when(expire('r1'))
      .then([expired(r1)]);
    inventory
      .given([...stocked, r1])
      .when(expire('r1', EXPIRY))
      .then([expired(r1, EXPIRY)]);
  });
  it('is refused before expiresAt', () => {
    inventory
      .given([...stocked, r1])
      .when(expire('r1', T1))
      .thenRefused('RESERVATION_NOT_EXPIRED');
  });
  it('is a no-op once released, expired or committed', () => {
    inventory
      .given([...stocked, r1, released(r1)])
      .when(expire('r1'))
      .thenNothing();
    inventory
      .given([...stocked, r1, expired(r1)])
      .when(expire('r1'))
      .thenNothing();
    inventory
      .given([...stocked, r1, committed(r1, 3)])
      .when(expire('r1'))
      .thenNothing();
  });
  it('is refused for an unknown reservation', () => {
    inventory.given(stocked).when(expire('r9')).thenRefused('RESERVATION_NOT_FOUND');
  });
});

describe('CommitReservation', () => {
  it('takes the reserved units out of stock', () => {
    inventory
      .given([...stocked, r1])
      .when(commit('r1'))
      .then([committed(r1, 3)]);
  });
  it('commits an expired reservation whose units nobody took yet', () => {
    inventory
      .given([...stocked, r1])
      .when(commit('r1', LATE))
      .then([committed(r1, 3, LATE)]);
  });
  it('is a no-op once committed', () => {
    inventory
      .given([...stocked, r1, committed(r1, 3)])
      .when(commit('r1'))
      .thenNothing();
  });
  it('is refused once released or expired: those units may be sold again', () => {
    inventory
      .given([...stocked, r1, released(r1)])
      .when(commit('r1'))
      .thenRefused('RESERVATION_SETTLED');
    inventory
      .given([...stocked, r1, expired(r1)])
      .when(commit('r1'))
      .thenRefused('RESERVATION_SETTLED');
  });
  it('is refused for an unknown reservation', () => {
    inventory.given(stocked).when(commit('r9')).thenRefused('RESERVATION_NOT_FOUND');
  });
});

describe('available', () => {
  it('is on hand minus unexpired reservations', () => {
    const state = fold(inventoryDecider, [...stocked, r1, reserved('r2', 1, 'order-r2', LATE)]);
    expect(state).toMatchObject({ onHand: 5, reserved: 3 });
    expect(available(state, T0)).toBe(2);
    expect(available(state, EXPIRY)).toBe(4);
    expect(available(state, LATE)).toBe(5);
    expect(available(initialState(), T0)).toBe(0);
  });
  it('counts every reservation when the instant is unreadable (never overstates)', () => {
    const state = fold(inventoryDecider, [...stocked, r1]);
    expect(available(state, 'not-an-instant')).toBe(3);
  });
});

describe('evolve', () => {
  it('tracks on hand, live and settled reservations, receipts and adjustments', () => {
    const state = fold(inventoryDecider, [
      ...stocked,
      r1,
      r2,
      committed(r1, 3),
      released(r2),
      adjusted(-1, 2),
    ]);
    const { reservations, settled, receipts, adjustments, ...levels } = state;
    expect({
      ...levels,
      reservations: toRecord(reservations),
      settled: toRecord(settled),
      receipts: toRecord(receipts),
      adjustments: toRecord(adjustments),
    }).toEqual({
      sku,
      onHand: 2,
      reserved: 0,
      expiries: null,
      reservations: {},
      settled: {
        r1: { orderId: 'order-r1', quantity: 2, outcome: 'committed', settledAt: T1 },
        r2: { orderId: 'order-r2', quantity: 3, outcome: 'released', settledAt: T1 },
      },
      receipts: { 'rcpt-1': 5 },
      adjustments: { 'adj-1': { delta: -1, reason: 'count' } },
    });
  });
  it('treats ids such as __proto__ as plain keys', () => {
    const proto = reserved('__proto__', 1);
    const state = fold(inventoryDecider, [...stocked, proto]);
    expect(state.reserved).toBe(1);
    expect(inventoryDecider.decide(release('__proto__'), state).ok).toBe(true);
    expect(inventoryDecider.decide(commit('constructor'), state)).toMatchObject({
      ok: false,
      error: { code: 'RESERVATION_NOT_FOUND' },
    });
  });
  it('throws on a history decide cannot produce', () => {
    const corrupt: InventoryEvent[][] = [
      [r1], // reserved with nothing on hand
      [...stocked, reserved('r1', 6)],
      [...stocked, received(5, 10)], // receipt repeated
      [...stocked, received(1, 7, 'rcpt-2')], // onHand does not add up
      [...stocked, r1, adjusted(-4, 1)], // below reserved
      [...stocked, adjusted(-6, -1)],
      [...stocked, released(r1)], // unknown reservation
      [...stocked, r1, r1],
      [...stocked, r1, released(r1), r1], // id reused
      [...stocked, r1, { ...released(r1), data: { ...released(r1).data, quantity: 1 } }],
      [...stocked, r1, committed(r1, 5)],
      [...stocked, { ...received(1, 6, 'rcpt-2'), data: { ...received(1, 6, 'rcpt-2').data, sku: 'SKU-2' } }],
    ];
    for (const history of corrupt) expect(() => fold(inventoryDecider, history)).toThrow(InvariantViolation);
    expect(() => evolve(initialState(), expired(r1))).toThrow(InvariantViolation);
  });
});
