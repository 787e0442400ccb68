import type { FeeSchedule } from '../fees/index.ts';
import type { CurrencyCode, Instant, Message, Money } from '../shared/index.ts';

/** One line as the buyer's client sends it: the price is the listing's price at placement. */
export type OrderLineInput = Readonly<{
  listingId: string;
  sku: string;
  sellerId: string;
  quantity: number;
  unitPrice: Money;
}>;

export type PlaceOrder = Message<
  'PlaceOrder',
  {
    orderId: string;
    buyerId: string;
    currency: CurrencyCode;
    lines: readonly OrderLineInput[];
    /** The schedule in force now; snapshotted on the order, it prices the escrow release. */
    feeSchedule: FeeSchedule;
    at: Instant;
  }
>;

/** The purchase saga reserved every SKU; the buyer may now pay until `paymentDeadline`. */
export type ConfirmStockReserved = Message<
  'ConfirmStockReserved',
  { orderId: string; paymentDeadline: Instant; at: Instant }
>;

/** The purchase saga could not reserve stock (or another pre-payment check failed). */
export type RejectOrder = Message<'RejectOrder', { orderId: string; reason: string; at: Instant }>;

export type RecordPaymentCaptured = Message<
  'RecordPaymentCaptured',
  { orderId: string; paymentId: string; amount: Money; at: Instant }
>;

/** The payment-deadline timer. */
export type ExpireOrder = Message<'ExpireOrder', { orderId: string; at: Instant }>;

export type ShipOrder = Message<
  'ShipOrder',
  { orderId: string; by: string; carrier: string; trackingNumber: string; at: Instant }
>;

export type MarkDelivered = Message<'MarkDelivered', { orderId: string; at: Instant }>;

export type ConfirmReceipt = Message<'ConfirmReceipt', { orderId: string; by: string; at: Instant }>;

/** The auto-complete timer; the window (milliseconds after delivery) is policy passed in. */
export type AutoCompleteOrder = Message<
  'AutoCompleteOrder',
  { orderId: string; completionWindowMillis: number; at: Instant }
>;

export type RequestCancellation = Message<
  'RequestCancellation',
  { orderId: string; by: string; reason: string; answerDeadline: Instant; at: Instant }
>;

/** By the seller, or by the cancellation-answer timer with `by: 'system'` once the deadline passed. */
export type AcceptCancellation = Message<'AcceptCancellation', { orderId: string; by: string; at: Instant }>;

export type DeclineCancellation = Message<
  'DeclineCancellation',
  { orderId: string; by: string; reason: string; at: Instant }
>;

export type CancelBySeller = Message<
  'CancelBySeller',
  { orderId: string; by: string; reason: string; at: Instant }
>;

export type RequestReturn = Message<
  'RequestReturn',
  { orderId: string; by: string; reason: string; returnWindowMillis: number; at: Instant }
>;

export type RecordReturnReceived = Message<
  'RecordReturnReceived',
  { orderId: string; by: string; at: Instant }
>;

/** A refund the payment service made; several partial refunds may settle what is due. */
export type RecordRefunded = Message<
  'RecordRefunded',
  { orderId: string; refundId: string; amount: Money; at: Instant }
>;

/** The actor a timer uses where a command may be issued by a timer. */
export const SYSTEM_ACTOR = 'system';

export type OrderCommand =
  | PlaceOrder
  | ConfirmStockReserved
  | RejectOrder
  | RecordPaymentCaptured
  | ExpireOrder
  | ShipOrder
  | MarkDelivered
  | ConfirmReceipt
  | AutoCompleteOrder
  | RequestCancellation
  | AcceptCancellation
  | DeclineCancellation
  | CancelBySeller
  | RequestReturn
  | RecordReturnReceived
  | RecordRefunded;
