import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../infra/event-store/port.ts';
import { auditStock } from './stock-audit.ts';

const log = (...events: readonly (readonly [string, Record<string, unknown>])[]): RecordedEvent[] =>
  events.map(([type, data], revision) => ({
    eventId: `e${String(revision)}`,
    streamId: 'inventory-s',
    revision,
    position: { commit: revision + 1, prepare: revision + 1 },
    type,
    data: { sku: 's', ...(data as Record<string, string | number>) },
    metadata: { correlationId: null, causationId: null, commandId: null, actor: null },
    schemaVersion: 1,
    recordedAt: '2026-01-01T00:00:00.000Z',
    hash: '',
  }));

describe('the oversell audit of a SKU log', () => {
  it('follows receipts, reservations, releases and commits', () => {
    expect(
      auditStock(
        log(
          ['StockReceived', { quantity: 3 }],
          ['StockReserved', { reservationId: 'a', quantity: 2 }],
          ['StockReserved', { reservationId: 'b', quantity: 1 }],
          ['ReservationCommitted', { reservationId: 'a', quantity: 2 }],
          ['ReservationReleased', { reservationId: 'b' }],
          ['StockReserved', { reservationId: 'c', quantity: 1 }],
        ),
      ),
    ).toEqual({ received: 3, reserved: 1, committed: 2, oversold: 0 });
  });

  it('counts every revision that holds more than was received, and settling what was never reserved', () => {
    expect(
      auditStock(
        log(
          ['StockReceived', { quantity: 1 }],
          ['StockReserved', { reservationId: 'a', quantity: 1 }],
          ['StockReserved', { reservationId: 'b', quantity: 1 }],
          ['ReservationReleased', { reservationId: 'a' }],
        ),
      ).oversold,
    ).toBe(1);
    expect(auditStock(log(['ReservationReleased', { reservationId: 'x' }])).oversold).toBe(1);
  });
});
