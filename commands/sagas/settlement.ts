import type {
  OrderCancelled,
  OrderCompleted,
  OrderPaid,
  OrderState,
  ReturnReceived,
} from '../../domain/order/index.ts';
import type { PaymentRefunded, RefundFailed } from '../../domain/payment/events.ts';
import { dataOf, sagaCommand, sendStep } from './commands.ts';
import type { SagaCommand } from './commands.ts';
import { cancellationRefundId, returnRefundId } from './ids.ts';
import { orderAsOf } from './order-view.ts';
import type { ProcessManager } from './process-manager.ts';

/** What the buyer paid is held in the seller's escrow until the order completes. */
export const holdInEscrow = (paid: OrderPaid['data'], sellerId: string): SagaCommand =>
  sagaCommand('hold', 'seller.hold-in-escrow', {
    sellerId,
    orderId: paid.orderId,
    gross: { amount: paid.amountMinor, currency: paid.currency },
    at: paid.paidAt,
  });

/** Completion releases the escrow, minus the fee of the schedule snapshotted on the order. */
export const releaseEscrow = (completed: OrderCompleted['data']): SagaCommand =>
  sagaCommand('release', 'seller.release-escrow', {
    sellerId: completed.sellerId,
    orderId: completed.orderId,
    feeSchedule: completed.feeSchedule,
    at: completed.completedAt,
  });

/** A cancelled order that was paid gets its capture back; nothing when it was not paid. */
export const refundCancelledOrder = (cancelled: OrderCancelled['data']): SagaCommand | null =>
  cancelled.paymentId === null || cancelled.refundDueMinor === 0
    ? null
    : sagaCommand('refund', 'payment.request-refund', {
        paymentId: cancelled.paymentId,
        refundId: cancellationRefundId(cancelled.orderId),
        amount: { amount: cancelled.refundDueMinor, currency: cancelled.currency },
        reason: `order ${cancelled.orderId} cancelled by the ${cancelled.initiatedBy}`,
        at: cancelled.cancelledAt,
      });

export const refundReturnedOrder = (received: ReturnReceived['data']): SagaCommand =>
  sagaCommand('refund', 'payment.request-refund', {
    paymentId: received.paymentId,
    refundId: returnRefundId(received.orderId),
    amount: { amount: received.refundDueMinor, currency: received.currency },
    reason: `order ${received.orderId} returned`,
    at: received.receivedAt,
  });

/**
 * A refund the provider made for an order that owes one (cancelled after
 * payment, or returned): recorded on the order, and taken out of the seller's
 * escrow (escrow → refunds). A refund of a capture the order never took
 * (see the purchase saga) touches neither: that money never reached escrow.
 */
export const afterRefund = (refunded: PaymentRefunded['data'], order: OrderState): SagaCommand[] => {
  if (order.status !== 'cancelled' && order.status !== 'return_received') return [];
  if (order.payment?.paymentId !== refunded.paymentId) return [];
  if (order.refund.refundIds.includes(refunded.refundId)) return [];
  const amount = { amount: refunded.amountMinor, currency: refunded.currency };
  return [
    sagaCommand('record-refunded', 'order.record-refunded', {
      orderId: refunded.orderId,
      refundId: refunded.refundId,
      amount,
      at: refunded.refundedAt,
    }),
    sagaCommand('refund-escrow', 'seller.refund-escrow', {
      sellerId: order.order.sellerId,
      orderId: refunded.orderId,
      refundId: refunded.refundId,
      amount,
      at: refunded.refundedAt,
    }),
  ];
};

/**
 * The money side of an order: escrow on payment, release on completion,
 * refunds on cancellation and return, and the refund's record on the order
 * and in the seller's ledger once the provider made it.
 */
export const settlementSaga = (): ProcessManager => ({
  name: 'settlement',
  handles: [
    'OrderPaid',
    'OrderCompleted',
    'OrderCancelled',
    'ReturnReceived',
    'PaymentRefunded',
    'RefundFailed',
  ],
  react: async (event, ctx) => {
    switch (event.type) {
      case 'OrderPaid': {
        const paid = dataOf<OrderPaid>(event);
        const order = await orderAsOf(ctx.readStream, paid.orderId, event.position);
        if (order.status === 'initial') return;
        await sendStep(ctx, holdInEscrow(paid, order.order.sellerId));
        return;
      }
      case 'OrderCompleted':
        await sendStep(ctx, releaseEscrow(dataOf<OrderCompleted>(event)));
        return;
      case 'OrderCancelled': {
        const refund = refundCancelledOrder(dataOf<OrderCancelled>(event));
        if (refund !== null) await sendStep(ctx, refund);
        return;
      }
      case 'ReturnReceived':
        await sendStep(ctx, refundReturnedOrder(dataOf<ReturnReceived>(event)));
        return;
      case 'PaymentRefunded': {
        const refunded = dataOf<PaymentRefunded>(event);
        const order = await orderAsOf(ctx.readStream, refunded.orderId, event.position);
        // One after the other: the escrow follows the order's record of the refund.
        for (const command of afterRefund(refunded, order)) await sendStep(ctx, command);
        return;
      }
      case 'RefundFailed': {
        const failed = dataOf<RefundFailed>(event);
        // The provider retries under the same refund id, or an operator does; the order stays owed.
        ctx.logger.warn(
          {
            orderId: failed.orderId,
            paymentId: failed.paymentId,
            refundId: failed.refundId,
            reason: failed.reason,
          },
          'refund failed: the buyer is still owed this amount',
        );
        return;
      }
      default:
        return;
    }
  },
});
