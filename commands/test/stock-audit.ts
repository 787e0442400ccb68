import type { InventoryEvent } from '../../domain/inventory/events.ts';
import type { RecordedEvent } from '../../infra/event-store/port.ts';

export type StockLedger = { received: number; reserved: number; committed: number; oversold: number };

/**
 * Folds one SKU's log on its own (not with the inventory decider it checks)
 * and counts every revision after which reserved + committed > received.
 */
export const auditStock = (events: readonly RecordedEvent[]): StockLedger => {
  const live = new Map<string, number>();
  const ledger: StockLedger = { received: 0, reserved: 0, committed: 0, oversold: 0 };
  const settle = (reservationId: string): number => {
    const quantity = live.get(reservationId);
    live.delete(reservationId);
    // Settling a reservation the log never made is itself a broken log.
    return quantity ?? Number.NaN;
  };
  for (const recorded of events) {
    const event = { type: recorded.type, data: recorded.data } as unknown as InventoryEvent;
    switch (event.type) {
      case 'StockReceived':
        ledger.received += event.data.quantity;
        break;
      case 'StockAdjusted':
        ledger.received += event.data.delta;
        break;
      case 'StockReserved':
        live.set(event.data.reservationId, event.data.quantity);
        ledger.reserved += event.data.quantity;
        break;
      case 'ReservationReleased':
      case 'ReservationExpired':
        ledger.reserved -= settle(event.data.reservationId);
        break;
      case 'ReservationCommitted':
        ledger.reserved -= settle(event.data.reservationId);
        ledger.committed += event.data.quantity;
        break;
    }
    if (!(ledger.reserved + ledger.committed <= ledger.received && ledger.reserved >= 0))
      ledger.oversold += 1;
  }
  return ledger;
};
