import type { Instant, Message, Money } from '../shared/index.ts';

/**
 * Outcomes come from the payment service as commands. Each carries the
 * provider's event id (a repeat changes nothing) and the provider's reference.
 */
type ProviderReport = Readonly<{ providerEventId: string; providerReference: string }>;

/** The marketplace opens a payment for an order (the buyer's checkout). */
export type StartPayment = Message<
  'StartPayment',
  { paymentId: string; orderId: string; amount: Money; at: Instant }
>;

export type RecordAuthorization = Message<
  'RecordAuthorization',
  ProviderReport & {
    paymentId: string;
    outcome: 'succeeded' | 'failed';
    /** What the provider authorized; required when it succeeded. */
    amount?: Money;
    reason?: string;
    at: Instant;
  }
>;

/** Asks for a capture (the marketplace captures at purchase). */
export type RequestCapture = Message<'RequestCapture', { paymentId: string; amount: Money; at: Instant }>;

export type RecordCapture = Message<
  'RecordCapture',
  ProviderReport & {
    paymentId: string;
    outcome: 'succeeded' | 'failed';
    amount: Money;
    reason?: string;
    at: Instant;
  }
>;

/** Gives up an authorization that was never (fully) captured. */
export type RequestVoid = Message<'RequestVoid', { paymentId: string; reason: string; at: Instant }>;

export type RecordVoid = Message<
  'RecordVoid',
  ProviderReport & { paymentId: string; outcome: 'succeeded' | 'failed'; reason?: string; at: Instant }
>;

/** Money back to the buyer; several partial refunds, each with its own id, never more than captured. */
export type RequestRefund = Message<
  'RequestRefund',
  { paymentId: string; refundId: string; amount: Money; reason: string; at: Instant }
>;

export type RecordRefund = Message<
  'RecordRefund',
  ProviderReport & {
    paymentId: string;
    refundId: string;
    outcome: 'succeeded' | 'failed';
    amount: Money;
    reason?: string;
    at: Instant;
  }
>;

export type PaymentCommand =
  | StartPayment
  | RecordAuthorization
  | RequestCapture
  | RecordCapture
  | RequestVoid
  | RecordVoid
  | RequestRefund
  | RecordRefund;
