import { Type } from 'typebox';
import { category, inventoryDecider } from '../../domain/inventory/index.ts';
import type {
  AdjustStock,
  CommitReservation,
  ExpireReservation,
  ReceiveStock,
  ReleaseReservation,
  ReserveStock,
} from '../../domain/inventory/commands.ts';
import { defineCommand } from '../definition.ts';
import type { CommandDefinition } from '../definition.ts';
import { At, Id, Instant, MAX_QUANTITY, Quantity, Struct, Text } from './schemas.ts';

const inventory = { category, decider: inventoryDecider };

/** A correction moves stock either way, never by zero. */
const Delta = Type.Union([
  Type.Integer({ minimum: 1, maximum: MAX_QUANTITY }),
  Type.Integer({ minimum: -MAX_QUANTITY, maximum: -1 }),
]);

const Reason = Text(500);

const SKU = 'sku-81c0';
const RESERVATION_ID = 'rsv-ord-2025-000123-sku-81c0';

export const inventoryCommands: readonly CommandDefinition[] = [
  defineCommand({
    name: 'inventory.receive',
    description:
      'Units of a SKU arrive (or a seller declares stock). Re-sending the same `receiptId` changes nothing.',
    schema: Struct({ sku: Id, receiptId: Id, quantity: Quantity, at: At }),
    aggregate: inventory,
    streamKey: (data) => data.sku,
    toCommand: (data, envelope): ReceiveStock => ({
      type: 'ReceiveStock',
      data: {
        sku: data.sku,
        receiptId: data.receiptId,
        quantity: data.quantity,
        at: data.at ?? envelope.receivedAt,
      },
    }),
    example: { sku: SKU, receiptId: 'rcpt-2025-03-01-0007', quantity: 5, at: '2025-03-01T08:00:00.000Z' },
  }),
  defineCommand({
    name: 'inventory.adjust',
    description:
      'Corrects on-hand stock after a count, breakage or loss (`delta` positive or negative, never zero), never below what is reserved. One adjustment per `adjustmentId`.',
    schema: Struct({ sku: Id, adjustmentId: Id, delta: Delta, reason: Reason, at: At }),
    aggregate: inventory,
    streamKey: (data) => data.sku,
    toCommand: (data, envelope): AdjustStock => ({
      type: 'AdjustStock',
      data: {
        sku: data.sku,
        adjustmentId: data.adjustmentId,
        delta: data.delta,
        reason: data.reason,
        at: data.at ?? envelope.receivedAt,
      },
    }),
    example: {
      sku: SKU,
      adjustmentId: 'adj-2025-03-01-0002',
      delta: -1,
      reason: 'Damaged in the warehouse',
      at: '2025-03-01T09:00:00.000Z',
    },
  }),
  defineCommand({
    name: 'inventory.reserve',
    description:
      'Holds units for an order until `expiresAt`; never more than is available. Idempotent per `reservationId`; an order with several lines of one SKU reserves their sum at once.',
    schema: Struct({
      sku: Id,
      reservationId: Id,
      orderId: Id,
      quantity: Quantity,
      expiresAt: Instant,
      at: At,
    }),
    aggregate: inventory,
    streamKey: (data) => data.sku,
    toCommand: (data, envelope): ReserveStock => ({
      type: 'ReserveStock',
      data: {
        sku: data.sku,
        reservationId: data.reservationId,
        orderId: data.orderId,
        quantity: data.quantity,
        expiresAt: data.expiresAt,
        at: data.at ?? envelope.receivedAt,
      },
    }),
    example: {
      sku: SKU,
      reservationId: RESERVATION_ID,
      orderId: 'ord-2025-000123',
      quantity: 2,
      expiresAt: '2025-03-01T10:35:00.000Z',
      at: '2025-03-01T10:00:00.500Z',
    },
  }),
  defineCommand({
    name: 'inventory.release',
    description:
      'Gives reserved units back (order rejected, expired or cancelled before shipment). Idempotent.',
    schema: Struct({ sku: Id, reservationId: Id, reason: Reason, at: At }),
    aggregate: inventory,
    streamKey: (data) => data.sku,
    toCommand: (data, envelope): ReleaseReservation => ({
      type: 'ReleaseReservation',
      data: {
        sku: data.sku,
        reservationId: data.reservationId,
        reason: data.reason,
        at: data.at ?? envelope.receivedAt,
      },
    }),
    example: {
      sku: SKU,
      reservationId: RESERVATION_ID,
      reason: 'order ord-2025-000123 expired',
      at: '2025-03-01T10:30:01.000Z',
    },
  }),
  defineCommand({
    name: 'inventory.expire-reservation',
    description:
      "The reservation's own timer: releases it once `expiresAt` passed; a no-op when it was committed or released meanwhile.",
    schema: Struct({ sku: Id, reservationId: Id, at: At }),
    aggregate: inventory,
    streamKey: (data) => data.sku,
    toCommand: (data, envelope): ExpireReservation => ({
      type: 'ExpireReservation',
      data: { sku: data.sku, reservationId: data.reservationId, at: data.at ?? envelope.receivedAt },
    }),
    example: { sku: SKU, reservationId: RESERVATION_ID, at: '2025-03-01T10:35:00.000Z' },
  }),
  defineCommand({
    name: 'inventory.commit',
    description: 'The order shipped: the reserved units leave stock for good. Idempotent.',
    schema: Struct({ sku: Id, reservationId: Id, at: At }),
    aggregate: inventory,
    streamKey: (data) => data.sku,
    toCommand: (data, envelope): CommitReservation => ({
      type: 'CommitReservation',
      data: { sku: data.sku, reservationId: data.reservationId, at: data.at ?? envelope.receivedAt },
    }),
    example: { sku: SKU, reservationId: RESERVATION_ID, at: '2025-03-02T09:00:00.000Z' },
  }),
];
