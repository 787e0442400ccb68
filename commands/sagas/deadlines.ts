import { SYSTEM_ACTOR } from '../../domain/order/index.ts';
import type {
  CancellationRequested,
  OrderDelivered,
  OrderPaid,
  OrderStockReserved,
} from '../../domain/order/index.ts';
import { addMillis } from '../../domain/shared/index.ts';
import type { WindowsConfig } from '../../infra/config.ts';
import type { RecordedEvent } from '../../infra/event-store/port.ts';
import { dataOf, setTimers, timerCommand } from './commands.ts';
import type { TimerCommand } from './commands.ts';
import { orderAsOf } from './order-view.ts';
import type { ProcessManager, SagaContext } from './process-manager.ts';

export type DeadlineWindows = Pick<WindowsConfig, 'shipByMs' | 'autoCompleteMs'>;

/** One timer per deadline of an order; the keys are short so the timer id stays a valid command id. */
export const deadlineKey = {
  payment: (orderId: string): string => `pay:${orderId}`,
  shipBy: (orderId: string): string => `ship:${orderId}`,
  cancellationAnswer: (orderId: string): string => `answer:${orderId}`,
  autoComplete: (orderId: string): string => `complete:${orderId}`,
} as const;

/** Not paid by the deadline: the order expires (and the purchase saga releases its stock). */
export const paymentDeadline = (reserved: OrderStockReserved['data']): TimerCommand =>
  timerCommand(deadlineKey.payment(reserved.orderId), reserved.paymentDeadline, 'order.expire', {
    orderId: reserved.orderId,
    at: reserved.paymentDeadline,
  });

/**
 * Not shipped by the deadline: the system cancels the order on the seller's
 * behalf (`initiatedBy: 'seller'`, the timer as the actor in the metadata), so
 * the buyer is refunded and the stock released.
 */
export const shipByDeadline = (
  paid: OrderPaid['data'],
  sellerId: string,
  windows: DeadlineWindows,
): TimerCommand => {
  const dueAt = addMillis(paid.paidAt, windows.shipByMs);
  return timerCommand(deadlineKey.shipBy(paid.orderId), dueAt, 'order.cancel-by-seller', {
    orderId: paid.orderId,
    by: sellerId,
    reason: `not shipped by the ship-by deadline ${dueAt}`,
    at: dueAt,
  });
};

/** The seller did not answer a cancellation request in time: it is accepted by the system. */
export const cancellationAnswerDeadline = (requested: CancellationRequested['data']): TimerCommand =>
  timerCommand(
    deadlineKey.cancellationAnswer(requested.orderId),
    requested.answerDeadline,
    'order.accept-cancellation',
    { orderId: requested.orderId, by: SYSTEM_ACTOR, at: requested.answerDeadline },
  );

/** Delivered and neither confirmed nor returned within the window: the order completes. */
export const autoCompletion = (delivered: OrderDelivered['data'], windows: DeadlineWindows): TimerCommand => {
  const dueAt = addMillis(delivered.deliveredAt, windows.autoCompleteMs);
  return timerCommand(deadlineKey.autoComplete(delivered.orderId), dueAt, 'order.auto-complete', {
    orderId: delivered.orderId,
    completionWindowMillis: windows.autoCompleteMs,
    at: dueAt,
  });
};

/** The deadlines each event makes moot. */
export const deadlinesEndedBy = (type: string, orderId: string): string[] => {
  switch (type) {
    case 'OrderPaid':
    case 'OrderRejected':
    case 'OrderExpired':
      return [deadlineKey.payment(orderId)];
    case 'OrderShipped':
      return [deadlineKey.shipBy(orderId)];
    case 'CancellationDeclined':
      return [deadlineKey.cancellationAnswer(orderId)];
    case 'OrderCancelled':
      return [
        deadlineKey.payment(orderId),
        deadlineKey.shipBy(orderId),
        deadlineKey.cancellationAnswer(orderId),
      ];
    case 'OrderCompleted':
    case 'ReturnRequested':
      return [deadlineKey.autoComplete(orderId)];
    default:
      return [];
  }
};

const deadlinesSetBy = async (
  event: RecordedEvent,
  ctx: SagaContext,
  windows: DeadlineWindows,
): Promise<TimerCommand[]> => {
  switch (event.type) {
    case 'OrderStockReserved':
      return [paymentDeadline(dataOf<OrderStockReserved>(event))];
    case 'OrderPaid': {
      const paid = dataOf<OrderPaid>(event);
      const order = await orderAsOf(ctx.readStream, paid.orderId, event.position);
      return order.status === 'initial' ? [] : [shipByDeadline(paid, order.order.sellerId, windows)];
    }
    case 'CancellationRequested':
      return [cancellationAnswerDeadline(dataOf<CancellationRequested>(event))];
    case 'OrderDelivered':
      return [autoCompletion(dataOf<OrderDelivered>(event), windows)];
    default:
      return [];
  }
};

/**
 * An order's deadlines as durable timers: set when the deadline starts, and
 * cancelled when what it waits for happened. A timer that fires anyway (it
 * raced the event that cancels it) is harmless: every command it sends is
 * refused by the order once moot (ORDER_NOT_AWAITING_PAYMENT, …), and that
 * refusal is the timer's final answer.
 */
export const deadlinesSaga = (windows: DeadlineWindows): ProcessManager => ({
  name: 'deadlines',
  handles: [
    'OrderStockReserved',
    'OrderPaid',
    'OrderRejected',
    'OrderExpired',
    'OrderShipped',
    'OrderDelivered',
    'OrderCompleted',
    'CancellationRequested',
    'CancellationDeclined',
    'OrderCancelled',
    'ReturnRequested',
  ],
  react: async (event, ctx) => {
    const { orderId } = event.data as { orderId: string };
    for (const key of deadlinesEndedBy(event.type, orderId)) await ctx.cancel(key);
    await setTimers(ctx, await deadlinesSetBy(event, ctx, windows));
  },
});
