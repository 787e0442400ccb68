import type { InventoryEvent } from '../../domain/inventory/events.ts';
import { asMessage, required } from '../projection.ts';
import type { Projection } from '../projection.ts';
import { sqlRows } from '../rows.ts';
import { emptyStock, foldStock, INVENTORY_EVENT_TYPES, inventoryEventTime } from '../stock.ts';
import type { StockLevel } from '../stock.ts';
import { inventorySchema } from './tables.ts';

type LevelRow = StockLevel & { sku: string; updated_at: string; revision: number };

/** Stock levels per SKU. */
export const inventoryProjection: Projection = {
  name: 'inventory',
  schema: inventorySchema,
  handles: new Set<string>(INVENTORY_EVENT_TYPES),
  apply: async (db, t, events, store = sqlRows(db, t)) => {
    const messages = events.map((event) => ({ event, message: asMessage<InventoryEvent>(event) }));
    const levels = new Map(
      (
        await store.load<LevelRow>(
          'levels',
          'sku',
          messages.map((m) => m.message.data.sku),
        )
      ).map((r) => [r.sku, r]),
    );
    const touched = new Set<string>();
    for (const { event, message } of messages) {
      const sku = message.data.sku;
      let level = levels.get(sku);
      if (level === undefined) {
        level = { sku, ...emptyStock(), updated_at: inventoryEventTime(message), revision: event.revision };
        levels.set(sku, level);
      }
      foldStock(level, message);
      level.updated_at = inventoryEventTime(message);
      level.revision = event.revision;
      touched.add(sku);
    }
    await store.upsert(
      'levels',
      ['sku'],
      [...touched].map((sku) => required(levels.get(sku), sku)),
    );
  },
};
