/**
 * What readers see: the stable views of the read-model schema
 * (`READ_MODEL_SCHEMA`, default `rm`) and the projection status table. Query
 * them with `db.withSchema(config.readModelSchema)`; never the versioned
 * physical tables behind the views, which a rebuild replaces.
 *
 * Types are what `pg` returns: `bigint` columns (money in minor units,
 * positions) arrive as decimal strings (exact, convert with `toSafeInteger`
 * from infra/postgres/database.ts); `integer` columns as numbers; timestamps
 * as `Date`. Views are read-only: every column is `ColumnType<T, never, never>`.
 */
import type { ColumnType, Selectable } from 'kysely';

type ReadOnly<T> = ColumnType<T, never, never>;
/** int8 as returned by pg: a decimal string, exact. */
export type Int8 = ReadOnly<string>;

export type ListingStatus = 'draft' | 'active' | 'soldOut' | 'withdrawn';

export type ListingsView = {
  listing_id: ReadOnly<string>;
  seller_id: ReadOnly<string>;
  sku: ReadOnly<string>;
  title: ReadOnly<string>;
  price_minor: Int8;
  /** ISO 4217 */
  currency: ReadOnly<string>;
  currency_exponent: ReadOnly<number>;
  status: ReadOnly<ListingStatus>;
  on_hand: ReadOnly<number>;
  reserved: ReadOnly<number>;
  /** on hand − reserved, never below 0 */
  available: ReadOnly<number>;
  created_at: ReadOnly<Date>;
  published_at: ReadOnly<Date | null>;
  updated_at: ReadOnly<Date>;
  /** Stream revision of the last listing event applied (a cheap ETag part). */
  revision: ReadOnly<number>;
};

export type InventoryLevelsView = {
  sku: ReadOnly<string>;
  on_hand: ReadOnly<number>;
  reserved: ReadOnly<number>;
  available: ReadOnly<number>;
  open_reservations: ReadOnly<number>;
  updated_at: ReadOnly<Date>;
  revision: ReadOnly<number>;
};

/** The lifecycle status, as in domain/order/state.ts. */
export type OrderStatus =
  | 'placed'
  | 'awaiting_payment'
  | 'rejected'
  | 'expired'
  | 'paid'
  | 'cancellation_requested'
  | 'cancelled'
  | 'shipped'
  | 'delivered'
  | 'completed'
  | 'return_requested'
  | 'return_received'
  | 'refunded';

/** From the payment stream(s) of the order and the order's own paid/refunded events. */
export type OrderPaymentStatus =
  | 'none'
  | 'started'
  | 'authorized'
  | 'authorization_failed'
  | 'captured'
  | 'voided'
  | 'partially_refunded'
  | 'refunded';
export type OrderCancellationStatus = 'none' | 'requested' | 'declined' | 'cancelled';
export type OrderReturnStatus = 'none' | 'requested' | 'received' | 'refunded';

export type OrdersView = {
  order_id: ReadOnly<string>;
  buyer_id: ReadOnly<string>;
  seller_id: ReadOnly<string>;
  currency: ReadOnly<string>;
  total_minor: Int8;
  line_count: ReadOnly<number>;
  item_count: ReadOnly<number>;
  status: ReadOnly<OrderStatus>;
  payment_status: ReadOnly<OrderPaymentStatus>;
  cancellation_status: ReadOnly<OrderCancellationStatus>;
  return_status: ReadOnly<OrderReturnStatus>;
  payment_id: ReadOnly<string | null>;
  paid_minor: Int8;
  refund_due_minor: Int8;
  refunded_minor: Int8;
  fee_schedule_id: ReadOnly<string>;
  /** Rejection / cancellation / return reason, the latest one. */
  reason: ReadOnly<string | null>;
  carrier: ReadOnly<string | null>;
  tracking_number: ReadOnly<string | null>;
  placed_at: ReadOnly<Date>;
  payment_deadline: ReadOnly<Date | null>;
  paid_at: ReadOnly<Date | null>;
  shipped_at: ReadOnly<Date | null>;
  delivered_at: ReadOnly<Date | null>;
  completed_at: ReadOnly<Date | null>;
  completed_how: ReadOnly<'confirmed_by_buyer' | 'auto_completed' | null>;
  cancelled_at: ReadOnly<Date | null>;
  updated_at: ReadOnly<Date>;
  revision: ReadOnly<number>;
};

export type OrderLinesView = {
  order_id: ReadOnly<string>;
  /** 0-based, in the order of OrderPlaced's lines. */
  line_no: ReadOnly<number>;
  listing_id: ReadOnly<string>;
  sku: ReadOnly<string>;
  quantity: ReadOnly<number>;
  unit_price_minor: Int8;
  line_total_minor: Int8;
};

/** One row per order event: the order's status after it. */
export type OrderTimelineView = {
  order_id: ReadOnly<string>;
  /** The order stream's revision: orders the timeline. */
  revision: ReadOnly<number>;
  event_id: ReadOnly<string>;
  event_type: ReadOnly<string>;
  status: ReadOnly<OrderStatus>;
  /** The business time carried by the event (placedAt, paidAt, …). */
  at: ReadOnly<Date>;
  /** The event's data without lines and fee schedule (reason, carrier, amounts…). */
  detail: ReadOnly<unknown>;
};

export type SellerSalesView = {
  seller_id: ReadOnly<string>;
  currency: ReadOnly<string>;
  orders_placed: ReadOnly<number>;
  orders_paid: ReadOnly<number>;
  orders_completed: ReadOnly<number>;
  orders_cancelled: ReadOnly<number>;
  gross_paid_minor: Int8;
  refunded_minor: Int8;
  updated_at: ReadOnly<Date>;
};

export type SellerBalancesView = {
  seller_id: ReadOnly<string>;
  currency: ReadOnly<string>;
  /** Held for orders not yet completed. */
  escrow_minor: Int8;
  /** Released to the seller, not yet asked for. */
  available_minor: Int8;
  /** Payout asked for, transfer in flight. */
  payout_pending_minor: Int8;
  /** Transferred to the seller's bank, in total. */
  paid_out_minor: Int8;
  /** Marketplace fees taken, in total. */
  fees_minor: Int8;
  /** Given back to buyers from escrow, in total. */
  refunded_minor: Int8;
  /** Captured from buyers into escrow, in total. */
  received_minor: Int8;
  entries: ReadOnly<number>;
  updated_at: ReadOnly<Date>;
  revision: ReadOnly<number>;
};

export type ProjectionState = 'running' | 'halted' | 'rebuilding';

/** Written by the projection runner only; readers select. */
export type ProjectionStatusTable = {
  name: ReadOnly<string>;
  version: ReadOnly<number>;
  /** The version the stable views point at. A version being rebuilt has `active = false`. */
  active: ReadOnly<boolean>;
  state: ReadOnly<ProjectionState>;
  checkpoint_commit: Int8;
  checkpoint_prepare: Int8;
  events_applied: Int8;
  /** As of the runner's last batch or poll; `readProjectionStatus` computes it live. */
  lag_events: Int8;
  lag_seconds: ReadOnly<number>;
  last_error: ReadOnly<string | null>;
  failed_event_id: ReadOnly<string | null>;
  failed_event_commit: ReadOnly<string | null>;
  failed_event_prepare: ReadOnly<string | null>;
  failed_event_type: ReadOnly<string | null>;
  failed_at: ReadOnly<Date | null>;
  /** The worker holding the projection (`host:pid:…`), null when none. */
  owner: ReadOnly<string | null>;
  created_at: ReadOnly<Date>;
  updated_at: ReadOnly<Date>;
};

/** Events an operator told a projection to skip (`scripts/projections.ts skip`). */
export type ProjectionSkipsTable = {
  name: ReadOnly<string>;
  version: ReadOnly<number>;
  event_id: ReadOnly<string>;
  event_commit: Int8;
  event_prepare: Int8;
  event_type: ReadOnly<string>;
  error: ReadOnly<string>;
  skipped_by: ReadOnly<string>;
  skipped_at: ReadOnly<Date>;
};

/** The read side, for `Kysely<ReadModelDatabase>` with `.withSchema(readModelSchema)`. */
export type ReadModelDatabase = {
  listings: ListingsView;
  inventory_levels: InventoryLevelsView;
  orders: OrdersView;
  order_lines: OrderLinesView;
  order_timeline: OrderTimelineView;
  seller_sales: SellerSalesView;
  seller_balances: SellerBalancesView;
  projection_status: ProjectionStatusTable;
  projection_skips: ProjectionSkipsTable;
};

export type Listing = Selectable<ListingsView>;
export type InventoryLevel = Selectable<InventoryLevelsView>;
export type Order = Selectable<OrdersView>;
export type OrderLine = Selectable<OrderLinesView>;
export type OrderTimelineEntry = Selectable<OrderTimelineView>;
export type SellerSales = Selectable<SellerSalesView>;
export type SellerBalance = Selectable<SellerBalancesView>;
export type ProjectionStatusRow = Selectable<ProjectionStatusTable>;
