import { randomBytes } from 'node:crypto';
import type { NewEvent } from '../../infra/event-store/port.ts';

/** A tag unique to this run, so stream ids never repeat across runs. */
export const runTag = (): string => randomBytes(4).toString('hex');

/** `benchOrder-<tag>w<worker>n<seq>`: a new stream for every call. */
export const newStreamId = (tag: string, worker: number, seq: number): string =>
  `benchOrder-${tag}w${worker}n${seq}`;

/**
 * A realistic small event: about 230 bytes of data, metadata with a
 * correlation id and an actor. The store assigns the event id (uuid v7).
 */
export const benchEvent = (worker: number, seq: number, index = 0): NewEvent => ({
  type: 'OrderLineAdded',
  data: {
    orderId: `o-${worker}-${seq}`,
    line: index,
    sku: `SKU-${(seq * 7919 + index) % 100000}`,
    title: 'Hand-thrown stoneware mug, speckled glaze, 350 ml',
    quantity: 1 + (seq % 5),
    unitPrice: { amount: 2450, currency: 'EUR' },
    sellerId: `s-${worker}`,
    addedAt: '2026-11-23T09:00:00.000Z',
  },
  metadata: { correlationId: `c-${worker}-${seq}`, actor: 'bench' },
});

export const benchEvents = (worker: number, seq: number, count: number): NewEvent[] =>
  Array.from({ length: count }, (_, i) => benchEvent(worker, seq, i));

/**
 * What the ceiling inserts in its jsonb column: about the bytes one event
 * row carries (stream id, type, data, metadata, recorded time and hash).
 */
export const ceilingPayload = (): string =>
  JSON.stringify({
    streamId: newStreamId('00000000', 0, 0),
    type: 'OrderLineAdded',
    data: benchEvent(0, 0).data,
    metadata: { correlationId: 'c-0-0', causationId: null, commandId: null, actor: 'bench' },
    schemaVersion: 1,
    recordedAt: '2026-11-23T09:00:00.000Z',
    hash: '0'.repeat(64),
  });
