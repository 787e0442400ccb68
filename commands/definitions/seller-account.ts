import { category, sellerAccountDecider } from '../../domain/seller-account/index.ts';
import type {
  HoldInEscrow,
  RecordPayoutFailed,
  RecordPayoutPaid,
  RefundEscrow,
  ReleaseEscrow,
  RequestPayout,
} from '../../domain/seller-account/index.ts';
import { defineCommand } from '../definition.ts';
import type { CommandDefinition } from '../definition.ts';
import { At, FeeSchedule, Id, Money, Struct, Text } from './schemas.ts';

const seller = { category, decider: sellerAccountDecider };

const SELLER_ID = 'usr-seller-42';
const ORDER_ID = 'ord-2025-000123';
const PAYOUT_ID = 'po-2025-000009';

export const sellerAccountCommands: readonly CommandDefinition[] = [
  defineCommand({
    name: 'seller.hold-in-escrow',
    description:
      "Sent by the purchase saga when an order's payment is captured: the buyer's money is held in escrow for that order. Holding the same gross again is a no-op.",
    schema: Struct({ sellerId: Id, orderId: Id, gross: Money, at: At }),
    aggregate: seller,
    streamKey: (data) => data.sellerId,
    toCommand: (data, envelope): HoldInEscrow => ({
      type: 'HoldInEscrow',
      data: {
        sellerId: data.sellerId,
        orderId: data.orderId,
        gross: data.gross,
        at: data.at ?? envelope.receivedAt,
      },
    }),
    example: {
      sellerId: SELLER_ID,
      orderId: ORDER_ID,
      gross: { amount: 7000, currency: 'EUR' },
      at: '2025-03-01T10:04:13.000Z',
    },
  }),
  defineCommand({
    name: 'seller.release-escrow',
    description:
      "Sent when the order completes: what is left of the order's escrow becomes available to the seller, minus the fee of the schedule snapshotted on the order.",
    schema: Struct({ sellerId: Id, orderId: Id, feeSchedule: FeeSchedule, at: At }),
    aggregate: seller,
    streamKey: (data) => data.sellerId,
    toCommand: (data, envelope): ReleaseEscrow => ({
      type: 'ReleaseEscrow',
      data: {
        sellerId: data.sellerId,
        orderId: data.orderId,
        feeSchedule: data.feeSchedule,
        at: data.at ?? envelope.receivedAt,
      },
    }),
    example: {
      sellerId: SELLER_ID,
      orderId: ORDER_ID,
      feeSchedule: {
        id: 'fees-2025-01',
        rateBasisPoints: 500,
        fixedMinor: 70,
        currency: 'EUR',
        rounding: 'half-even',
      },
      at: '2025-03-04T18:30:01.000Z',
    },
  }),
  defineCommand({
    name: 'seller.refund-escrow',
    description:
      "Before release, part or all of an order's escrow goes back to the buyer; one refund per `refundId`, never more than is held.",
    schema: Struct({ sellerId: Id, orderId: Id, refundId: Id, amount: Money, at: At }),
    aggregate: seller,
    streamKey: (data) => data.sellerId,
    toCommand: (data, envelope): RefundEscrow => ({
      type: 'RefundEscrow',
      data: {
        sellerId: data.sellerId,
        orderId: data.orderId,
        refundId: data.refundId,
        amount: data.amount,
        at: data.at ?? envelope.receivedAt,
      },
    }),
    example: {
      sellerId: SELLER_ID,
      orderId: ORDER_ID,
      refundId: 'rfd-2025-000045',
      amount: { amount: 2500, currency: 'EUR' },
      at: '2025-03-02T08:00:00.000Z',
    },
  }),
  defineCommand({
    name: 'seller.request-payout',
    description:
      'The seller (`by`, who must be the account owner) asks for available funds to be paid out to their bank.',
    schema: Struct({ sellerId: Id, by: Id, payoutId: Id, amount: Money, at: At }),
    aggregate: seller,
    streamKey: (data) => data.sellerId,
    toCommand: (data, envelope): RequestPayout => ({
      type: 'RequestPayout',
      data: {
        sellerId: data.sellerId,
        by: data.by,
        payoutId: data.payoutId,
        amount: data.amount,
        at: data.at ?? envelope.receivedAt,
      },
    }),
    example: {
      sellerId: SELLER_ID,
      by: SELLER_ID,
      payoutId: PAYOUT_ID,
      amount: { amount: 6000, currency: 'EUR' },
      at: '2025-03-05T09:00:00.000Z',
    },
  }),
  defineCommand({
    name: 'seller.record-payout-paid',
    description: 'The payout provider confirms the transfer to the seller’s bank.',
    schema: Struct({ sellerId: Id, payoutId: Id, at: At }),
    aggregate: seller,
    streamKey: (data) => data.sellerId,
    toCommand: (data, envelope): RecordPayoutPaid => ({
      type: 'RecordPayoutPaid',
      data: { sellerId: data.sellerId, payoutId: data.payoutId, at: data.at ?? envelope.receivedAt },
    }),
    example: { sellerId: SELLER_ID, payoutId: PAYOUT_ID, at: '2025-03-06T07:00:00.000Z' },
  }),
  defineCommand({
    name: 'seller.record-payout-failed',
    description: 'The payout provider gave up on the transfer: the money is available to the seller again.',
    schema: Struct({ sellerId: Id, payoutId: Id, reason: Text(500), at: At }),
    aggregate: seller,
    streamKey: (data) => data.sellerId,
    toCommand: (data, envelope): RecordPayoutFailed => ({
      type: 'RecordPayoutFailed',
      data: {
        sellerId: data.sellerId,
        payoutId: data.payoutId,
        reason: data.reason,
        at: data.at ?? envelope.receivedAt,
      },
    }),
    example: {
      sellerId: SELLER_ID,
      payoutId: PAYOUT_ID,
      reason: 'IBAN rejected by the receiving bank',
      at: '2025-03-06T07:00:00.000Z',
    },
  }),
];
