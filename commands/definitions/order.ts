import { Type } from 'typebox';
import { category, orderDecider } from '../../domain/order/index.ts';
import type {
  AcceptCancellation,
  AutoCompleteOrder,
  CancelBySeller,
  ConfirmReceipt,
  ConfirmStockReserved,
  DeclineCancellation,
  ExpireOrder,
  MarkDelivered,
  PlaceOrder,
  RecordPaymentCaptured,
  RecordRefunded,
  RecordReturnReceived,
  RejectOrder,
  RequestCancellation,
  RequestReturn,
  ShipOrder,
} from '../../domain/order/index.ts';
import { addMillis } from '../../domain/shared/index.ts';
import { defineCommand } from '../definition.ts';
import type { CommandDefinition } from '../definition.ts';
import { At, Currency, Id, Instant, Money, Quantity, Struct, Text, WindowMillis } from './schemas.ts';

const order = { category, decider: orderDecider };

/** A basket is per seller; a hundred distinct lines is far beyond any real one. */
export const MAX_ORDER_LINES = 100;
export const MAX_REASON_LENGTH = 500;

const Reason = Text(MAX_REASON_LENGTH);

const OrderLine = Struct({
  listingId: Id,
  sku: Id,
  sellerId: Id,
  quantity: Quantity,
  unitPrice: Money,
});

/** The shape of most order commands: who (`by`) does what to which order, and when. */
const ByAt = Struct({ orderId: Id, by: Id, at: At });
const ByReasonAt = Struct({ orderId: Id, by: Id, reason: Reason, at: At });

const ORDER_ID = 'ord-2025-000123';
const BUYER_ID = 'usr-buyer-17';
const SELLER_ID = 'usr-seller-42';

export const orderCommands: readonly CommandDefinition[] = [
  defineCommand({
    name: 'order.place',
    description:
      'A buyer places an order for listings of one seller, at the prices shown. The fee schedule is not part of the request: the one the server has in force for the currency (FEE_SCHEDULES) is snapshotted on the order. The purchase saga then checks every line against its listing as it stands (active, same SKU, seller and price; otherwise the order is rejected) and reserves the stock.',
    schema: Struct({
      orderId: Id,
      buyerId: Id,
      currency: Currency,
      lines: Type.Array(OrderLine, { minItems: 1, maxItems: MAX_ORDER_LINES }),
      at: At,
    }),
    aggregate: order,
    streamKey: (data) => data.orderId,
    toCommand: (data, envelope, policy): PlaceOrder => ({
      type: 'PlaceOrder',
      data: {
        orderId: data.orderId,
        buyerId: data.buyerId,
        currency: data.currency,
        lines: data.lines,
        feeSchedule: policy.feeSchedules[data.currency],
        at: data.at ?? envelope.receivedAt,
      },
    }),
    example: {
      orderId: ORDER_ID,
      buyerId: BUYER_ID,
      currency: 'EUR',
      lines: [
        {
          listingId: 'lst-7f3a',
          sku: 'sku-7f3a',
          sellerId: SELLER_ID,
          quantity: 1,
          unitPrice: { amount: 4500, currency: 'EUR' },
        },
        {
          listingId: 'lst-81c0',
          sku: 'sku-81c0',
          sellerId: SELLER_ID,
          quantity: 2,
          unitPrice: { amount: 1250, currency: 'EUR' },
        },
      ],
      at: '2025-03-01T10:00:00.000Z',
    },
  }),
  defineCommand({
    name: 'order.confirm-stock-reserved',
    description:
      'Sent by the purchase saga once every SKU is reserved: the order awaits payment until `paymentDeadline`.',
    schema: Struct({ orderId: Id, paymentDeadline: Instant, at: At }),
    aggregate: order,
    streamKey: (data) => data.orderId,
    toCommand: (data, envelope): ConfirmStockReserved => ({
      type: 'ConfirmStockReserved',
      data: {
        orderId: data.orderId,
        paymentDeadline: data.paymentDeadline,
        at: data.at ?? envelope.receivedAt,
      },
    }),
    example: {
      orderId: ORDER_ID,
      paymentDeadline: '2025-03-01T10:30:00.000Z',
      at: '2025-03-01T10:00:01.000Z',
    },
  }),
  defineCommand({
    name: 'order.reject',
    description:
      'Sent by the purchase saga when an order line does not match its listing (not active, another SKU, seller or price) or stock could not be reserved; only a just-placed order is rejected.',
    schema: Struct({ orderId: Id, reason: Reason, at: At }),
    aggregate: order,
    streamKey: (data) => data.orderId,
    toCommand: (data, envelope): RejectOrder => ({
      type: 'RejectOrder',
      data: { orderId: data.orderId, reason: data.reason, at: data.at ?? envelope.receivedAt },
    }),
    example: {
      orderId: ORDER_ID,
      reason: 'INSUFFICIENT_STOCK: sku-81c0 has 1 available, 2 requested',
      at: '2025-03-01T10:00:01.000Z',
    },
  }),
  defineCommand({
    name: 'order.record-payment-captured',
    description:
      'Sent by the purchase saga when the payment for the order was captured: the order is paid. A capture for an order that can no longer be paid is refused (ORDER_NOT_PAYABLE) and refunded by the saga.',
    schema: Struct({ orderId: Id, paymentId: Id, amount: Money, at: At }),
    aggregate: order,
    streamKey: (data) => data.orderId,
    toCommand: (data, envelope): RecordPaymentCaptured => ({
      type: 'RecordPaymentCaptured',
      data: {
        orderId: data.orderId,
        paymentId: data.paymentId,
        amount: data.amount,
        at: data.at ?? envelope.receivedAt,
      },
    }),
    example: {
      orderId: ORDER_ID,
      paymentId: 'pay-2025-000123',
      amount: { amount: 7000, currency: 'EUR' },
      at: '2025-03-01T10:04:12.000Z',
    },
  }),
  defineCommand({
    name: 'order.expire',
    description:
      'Sent by the payment-deadline timer: an order still awaiting payment after its deadline expires.',
    schema: Struct({ orderId: Id, at: At }),
    aggregate: order,
    streamKey: (data) => data.orderId,
    toCommand: (data, envelope): ExpireOrder => ({
      type: 'ExpireOrder',
      data: { orderId: data.orderId, at: data.at ?? envelope.receivedAt },
    }),
    example: { orderId: ORDER_ID, at: '2025-03-01T10:30:00.000Z' },
  }),
  defineCommand({
    name: 'order.ship',
    description: 'The seller (`by`) ships a paid order with a carrier and tracking number.',
    schema: Struct({ orderId: Id, by: Id, carrier: Text(100), trackingNumber: Text(100), at: At }),
    aggregate: order,
    streamKey: (data) => data.orderId,
    toCommand: (data, envelope): ShipOrder => ({
      type: 'ShipOrder',
      data: {
        orderId: data.orderId,
        by: data.by,
        carrier: data.carrier,
        trackingNumber: data.trackingNumber,
        at: data.at ?? envelope.receivedAt,
      },
    }),
    example: {
      orderId: ORDER_ID,
      by: SELLER_ID,
      carrier: 'DHL',
      trackingNumber: 'JJD000390007234561',
      at: '2025-03-02T09:00:00.000Z',
    },
  }),
  defineCommand({
    name: 'order.mark-delivered',
    description: 'Sent on the carrier’s delivery notice: the auto-completion window starts.',
    schema: Struct({ orderId: Id, at: At }),
    aggregate: order,
    streamKey: (data) => data.orderId,
    toCommand: (data, envelope): MarkDelivered => ({
      type: 'MarkDelivered',
      data: { orderId: data.orderId, at: data.at ?? envelope.receivedAt },
    }),
    example: { orderId: ORDER_ID, at: '2025-03-04T12:00:00.000Z' },
  }),
  defineCommand({
    name: 'order.confirm-receipt',
    description: 'The buyer (`by`) confirms the item arrived as described: the order completes.',
    schema: ByAt,
    aggregate: order,
    streamKey: (data) => data.orderId,
    toCommand: (data, envelope): ConfirmReceipt => ({
      type: 'ConfirmReceipt',
      data: { orderId: data.orderId, by: data.by, at: data.at ?? envelope.receivedAt },
    }),
    example: { orderId: ORDER_ID, by: BUYER_ID, at: '2025-03-04T18:30:00.000Z' },
  }),
  defineCommand({
    name: 'order.auto-complete',
    description:
      'Sent by the auto-complete timer: a delivered order completes once `completionWindowMillis` have passed since delivery.',
    schema: Struct({ orderId: Id, completionWindowMillis: WindowMillis, at: At }),
    aggregate: order,
    streamKey: (data) => data.orderId,
    toCommand: (data, envelope): AutoCompleteOrder => ({
      type: 'AutoCompleteOrder',
      data: {
        orderId: data.orderId,
        completionWindowMillis: data.completionWindowMillis,
        at: data.at ?? envelope.receivedAt,
      },
    }),
    example: { orderId: ORDER_ID, completionWindowMillis: 259_200_000, at: '2025-03-07T12:00:00.000Z' },
  }),
  defineCommand({
    name: 'order.request-cancellation',
    description:
      'The buyer (`by`) asks to cancel a paid, unshipped order; the seller may answer until `at` + CANCELLATION_ANSWER_WINDOW (server configuration, default two days), after which the timer accepts on their behalf.',
    schema: Struct({ orderId: Id, by: Id, reason: Reason, at: At }),
    aggregate: order,
    streamKey: (data) => data.orderId,
    toCommand: (data, envelope, policy): RequestCancellation => {
      const at = data.at ?? envelope.receivedAt;
      return {
        type: 'RequestCancellation',
        data: {
          orderId: data.orderId,
          by: data.by,
          reason: data.reason,
          answerDeadline: addMillis(at, policy.windows.cancellationAnswerMs),
          at,
        },
      };
    },
    example: {
      orderId: ORDER_ID,
      by: BUYER_ID,
      reason: 'Ordered the wrong size',
      at: '2025-03-01T10:10:00.000Z',
    },
  }),
  defineCommand({
    name: 'order.accept-cancellation',
    description:
      'The seller (`by`) accepts a cancellation request, or the cancellation-answer timer does with `by: "system"` once the deadline passed.',
    schema: ByAt,
    aggregate: order,
    streamKey: (data) => data.orderId,
    toCommand: (data, envelope): AcceptCancellation => ({
      type: 'AcceptCancellation',
      data: { orderId: data.orderId, by: data.by, at: data.at ?? envelope.receivedAt },
    }),
    example: { orderId: ORDER_ID, by: SELLER_ID, at: '2025-03-01T14:00:00.000Z' },
  }),
  defineCommand({
    name: 'order.decline-cancellation',
    description: 'The seller (`by`) declines a cancellation request, saying why.',
    schema: ByReasonAt,
    aggregate: order,
    streamKey: (data) => data.orderId,
    toCommand: (data, envelope): DeclineCancellation => ({
      type: 'DeclineCancellation',
      data: { orderId: data.orderId, by: data.by, reason: data.reason, at: data.at ?? envelope.receivedAt },
    }),
    example: {
      orderId: ORDER_ID,
      by: SELLER_ID,
      reason: 'Already handed to the carrier',
      at: '2025-03-01T14:00:00.000Z',
    },
  }),
  defineCommand({
    name: 'order.cancel-by-seller',
    description: 'The seller (`by`) cancels a paid order they cannot fulfil; the buyer is refunded in full.',
    schema: ByReasonAt,
    aggregate: order,
    streamKey: (data) => data.orderId,
    toCommand: (data, envelope): CancelBySeller => ({
      type: 'CancelBySeller',
      data: { orderId: data.orderId, by: data.by, reason: data.reason, at: data.at ?? envelope.receivedAt },
    }),
    example: {
      orderId: ORDER_ID,
      by: SELLER_ID,
      reason: 'Item damaged while packing',
      at: '2025-03-01T16:00:00.000Z',
    },
  }),
  defineCommand({
    name: 'order.request-return',
    description:
      'The buyer (`by`) asks to return a delivered, not yet completed order, within RETURN_WINDOW (server configuration, default 14 days) of delivery.',
    schema: Struct({ orderId: Id, by: Id, reason: Reason, at: At }),
    aggregate: order,
    streamKey: (data) => data.orderId,
    toCommand: (data, envelope, policy): RequestReturn => ({
      type: 'RequestReturn',
      data: {
        orderId: data.orderId,
        by: data.by,
        reason: data.reason,
        returnWindowMillis: policy.windows.returnMs,
        at: data.at ?? envelope.receivedAt,
      },
    }),
    example: {
      orderId: ORDER_ID,
      by: BUYER_ID,
      reason: 'Not as described: stain on the sleeve',
      at: '2025-03-05T09:00:00.000Z',
    },
  }),
  defineCommand({
    name: 'order.record-return-received',
    description: 'The seller (`by`) received the returned item; a refund is now due.',
    schema: ByAt,
    aggregate: order,
    streamKey: (data) => data.orderId,
    toCommand: (data, envelope): RecordReturnReceived => ({
      type: 'RecordReturnReceived',
      data: { orderId: data.orderId, by: data.by, at: data.at ?? envelope.receivedAt },
    }),
    example: { orderId: ORDER_ID, by: SELLER_ID, at: '2025-03-08T11:00:00.000Z' },
  }),
  defineCommand({
    name: 'order.record-refunded',
    description:
      'A refund the payment service made for the order; several partial refunds (each with its own `refundId`) may settle what is due.',
    schema: Struct({ orderId: Id, refundId: Id, amount: Money, at: At }),
    aggregate: order,
    streamKey: (data) => data.orderId,
    toCommand: (data, envelope): RecordRefunded => ({
      type: 'RecordRefunded',
      data: {
        orderId: data.orderId,
        refundId: data.refundId,
        amount: data.amount,
        at: data.at ?? envelope.receivedAt,
      },
    }),
    example: {
      orderId: ORDER_ID,
      refundId: 'rfd-2025-000045',
      amount: { amount: 7000, currency: 'EUR' },
      at: '2025-03-08T11:20:00.000Z',
    },
  }),
];
