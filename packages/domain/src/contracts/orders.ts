import { z } from 'zod';
import { Category } from '../catalog';
import { NonNegativeFen } from '../money';
import { PageQuery } from './page';
import { FieldError } from './problem';
import { pgString } from '../storage';

/** An order's states (also the database's order_status enum); ORDER_TRANSITIONS below are its moves. */
export const ORDER_STATUSES = [
  'pending_approval',
  'awaiting_payment',
  'paid',
  'shipped',
  'delivered',
  'accepted',
  'disputed',
  'cancelled',
  'refunded',
] as const;
export const OrderStatus = z.enum(ORDER_STATUSES);
export type OrderStatus = z.infer<typeof OrderStatus>;
/** A purchase's states, also the database's purchase_status enum. */
export const PURCHASE_STATUSES = ['pending_approval', 'awaiting_payment', 'paid', 'cancelled', 'expired'] as const;
export const PurchaseStatus = z.enum(PURCHASE_STATUSES);
export type PurchaseStatus = z.infer<typeof PurchaseStatus>;
export const PAYMENT_METHODS = ['transfer', 'card'] as const;
export const PaymentMethod = z.enum(PAYMENT_METHODS);
export type PaymentMethod = z.infer<typeof PaymentMethod>;

/** The order lifecycle: every allowed move. Anything else answers 409 `invalid_transition`. */
export const ORDER_TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  pending_approval: ['awaiting_payment', 'cancelled'],
  awaiting_payment: ['paid', 'cancelled'],
  paid: ['shipped', 'refunded'],
  shipped: ['delivered'],
  delivered: ['accepted', 'disputed'],
  disputed: ['accepted', 'refunded'],
  accepted: [],
  cancelled: [],
  refunded: [],
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from].includes(to);
}

/**
 * Largest quantity of one line: far above any real bulk order. Quantity × unit price can still
 * pass the safe range at a high price: that line's problem is `amount_too_large`.
 */
export const MAX_LINE_QTY = 1_000_000;
export const MAX_CART_LINES = 200;

export const CartLineInput = z.strictObject({
  productId: z.uuid(),
  qty: z.number().int().min(1).max(MAX_LINE_QTY),
});
export const PutCartRequest = z.strictObject({ lines: z.array(CartLineInput).max(MAX_CART_LINES) });
export type PutCartRequest = z.infer<typeof PutCartRequest>;

export const LineProblemCode = z.enum([
  'below_moq',
  'off_step',
  'not_whole',
  'out_of_stock',
  'not_available',
  'amount_too_large',
]);
export const CartLine = z.object({
  productId: z.uuid(),
  /** The product code (SH1001), what buyers quote and type. */
  code: z.string(),
  qty: z.number().int(),
  nameZh: z.string(),
  nameEn: z.string().nullable(),
  unitLabel: z.string(),
  unitSpec: z.string().nullable(),
  unitLabelEn: z.string().nullable(),
  unitSpecEn: z.string().nullable(),
  cooperativeId: z.uuid(),
  cooperativeName: z.string(),
  moq: z.number().int(),
  orderStep: z.number().int(),
  stock: z.number().int(),
  /** Tier unit price for the quantity; null when the product cannot be ordered. */
  unitPriceFen: NonNegativeFen.nullable(),
  lineTotalFen: NonNegativeFen.nullable(),
  /**
   * Why the line cannot be checked out as it is: `code` and `params` word it in the reader's
   * language (@shanhai/domain ruleMessage), `message` is the English.
   */
  problem: z
    .object({
      code: LineProblemCode,
      message: z.string(),
      params: z.record(z.string(), z.union([z.string(), z.number()])),
    })
    .nullable(),
});
export type CartLine = z.infer<typeof CartLine>;
export const CartResponse = z.object({
  lines: z.array(CartLine),
  cooperatives: z.array(z.object({ cooperativeId: z.uuid(), cooperativeName: z.string(), totalFen: NonNegativeFen })),
  totalFen: NonNegativeFen,
  /** Every line can be checked out as it is. */
  ready: z.boolean(),
});
export type CartResponse = z.infer<typeof CartResponse>;

export const CartImportRequest = z.strictObject({ csv: pgString().min(1).max(200_000) });
/** A product a quick-order row names: what the web words "大坪山花蜂蜜 × 10 瓶（500 g/瓶）" from. */
export const CartImportProduct = z.object({
  id: z.uuid(),
  code: z.string(),
  nameZh: z.string(),
  nameEn: z.string().nullable(),
  cooperativeName: z.string(),
  unitLabel: z.string(),
  unitSpec: z.string().nullable(),
  unitLabelEn: z.string().nullable(),
  unitSpecEn: z.string().nullable(),
});
export type CartImportProduct = z.infer<typeof CartImportProduct>;
export const CartImportRow = z.object({
  /** The row's line in the pasted text or file (1-based, blank lines counted). */
  row: z.number().int(),
  input: z.string(),
  productId: z.uuid().nullable(),
  qty: z.number().nullable(),
  status: z.enum(['added', 'refused']),
  /** What the row was understood to name, refused or not (null when it names nothing). */
  product: CartImportProduct.nullable(),
  /** The line's quantity in the cart after the row (added rows). */
  cartQty: z.number().int().nullable(),
  /**
   * Why the row was refused: `field` is `product` or `qty`; `code` and `params` word it as the JSON
   * cart endpoint words the same problem (field-messages.ts).
   */
  error: FieldError.nullable(),
  /** The products an ambiguous name matches: write one's code. */
  options: z.array(CartImportProduct),
  /** In English. */
  message: z.string(),
});
export type CartImportRow = z.infer<typeof CartImportRow>;
export const CartImportResponse = z.object({ rows: z.array(CartImportRow), cart: CartResponse });
export type CartImportResponse = z.infer<typeof CartImportResponse>;

export const CheckoutRequest = z.strictObject({
  paymentMethod: PaymentMethod,
  /** Defaults to the buyer org's address. */
  deliveryAddress: pgString().trim().min(4).max(500).optional(),
  invoiceTitle: pgString().trim().min(1).max(200).optional(),
  taxId: pgString().trim().min(1).max(50).optional(),
  note: pgString().max(1000).optional(),
  /** Buy these lines now instead of the cart (reorders, scripted buying); the cart is left alone. */
  lines: z.array(CartLineInput).min(1).max(MAX_CART_LINES).optional(),
});
export type CheckoutRequest = z.infer<typeof CheckoutRequest>;

export const OrderLine = z.object({
  id: z.uuid(),
  productId: z.uuid(),
  /** The product's code (SH1001): codes never change, so it is read from the product. */
  code: z.string(),
  nameZh: z.string(),
  nameEn: z.string().nullable(),
  unitLabel: z.string(),
  unitSpec: z.string().nullable(),
  unitLabelEn: z.string().nullable(),
  unitSpecEn: z.string().nullable(),
  category: Category,
  qty: z.number().int(),
  unitPriceFen: NonNegativeFen,
  lineTotalFen: NonNegativeFen,
});
export type OrderLine = z.infer<typeof OrderLine>;
export const Transition = z.object({
  from: OrderStatus.nullable(),
  to: OrderStatus,
  actor: z.string(),
  actorUserId: z.uuid().nullable(),
  note: z.string().nullable(),
  at: z.iso.datetime({ offset: true }),
});
export const Order = z.object({
  id: z.uuid(),
  /** The number people read and quote: see orderNo. */
  orderNo: z.string(),
  purchaseId: z.uuid(),
  buyerOrgId: z.uuid(),
  buyerOrgName: z.string(),
  cooperativeId: z.uuid(),
  cooperativeName: z.string(),
  status: OrderStatus,
  totalFen: NonNegativeFen,
  carrier: z.string().nullable(),
  trackingNo: z.string().nullable(),
  problemNote: z.string().nullable(),
  deliveryAddress: z.string(),
  createdAt: z.iso.datetime({ offset: true }),
  lines: z.array(OrderLine),
  transitions: z.array(Transition),
});
export type Order = z.infer<typeof Order>;
export const Payment = z.object({
  method: PaymentMethod,
  status: z.enum(['pending', 'submitted', 'succeeded', 'failed']),
  amountFen: NonNegativeFen,
  submittedAmountFen: NonNegativeFen.nullable(),
  submittedReference: z.string().nullable(),
  /** Card: the PaymentIntent's client secret for Stripe.js (only to the buyer). */
  clientSecret: z.string().nullable().optional(),
});
export const BankAccount = z.object({ name: z.string(), bank: z.string(), account: z.string() });
export const Refund = z.object({
  /** null: not one order's refund but the whole of a late card payment (see `automatic`). */
  orderId: z.uuid().nullable(),
  method: PaymentMethod,
  amountFen: NonNegativeFen,
  /** A card payment that succeeded after the purchase had expired or been cancelled, given back by the platform unasked. */
  automatic: z.boolean(),
  reason: z.string().nullable(),
  createdAt: z.iso.datetime({ offset: true }),
});
export type Refund = z.infer<typeof Refund>;
/** What the platform offers to pay with; card only when Stripe is fully configured. */
export const PaymentOptions = z.object({
  methods: z.array(PaymentMethod),
  /** Stripe.js needs it; null when card payment is not offered. */
  stripePublishableKey: z.string().nullable(),
});
export type PaymentOptions = z.infer<typeof PaymentOptions>;
export const Purchase = z.object({
  id: z.uuid(),
  buyerOrgId: z.uuid(),
  buyerOrgName: z.string(),
  status: PurchaseStatus,
  paymentMethod: PaymentMethod,
  totalFen: NonNegativeFen,
  remittanceRef: z.string(),
  deliveryAddress: z.string(),
  invoiceTitle: z.string().nullable(),
  taxId: z.string().nullable(),
  note: z.string().nullable(),
  expiresAt: z.iso.datetime({ offset: true }),
  paidAt: z.iso.datetime({ offset: true }).nullable(),
  createdAt: z.iso.datetime({ offset: true }),
  createdBy: z.uuid(),
  payment: Payment.nullable(),
  bankAccount: BankAccount,
  /** Money given back on this purchase, oldest first. */
  refunds: z.array(Refund),
  orders: z.array(Order),
});
export type Purchase = z.infer<typeof Purchase>;
export const PurchaseSummary = Purchase.omit({ orders: true, bankAccount: true, payment: true, refunds: true }).extend({
  orderCount: z.number().int(),
  /** Its orders' statuses, oldest order first: where a paid purchase really is (shipped, accepted…). */
  orderStatuses: z.array(OrderStatus),
  /** Its payment's status (null: none started), so a transfer waiting for the office shows as such. */
  paymentStatus: Payment.shape.status.nullable(),
});
export type PurchaseSummary = z.infer<typeof PurchaseSummary>;

export const ListQuery = z.strictObject({
  status: z
    .string()
    .max(300)
    .regex(/^[a-z_]+(,[a-z_]+)*$/)
    .optional(),
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
  /** `csv`: every matching row (all pages, streamed); the paging below applies to JSON only. */
  format: z.enum(['json', 'csv']).optional(),
  ...PageQuery.shape,
});

export const SubmitTransferRequest = z.strictObject({
  amountFen: NonNegativeFen,
  reference: pgString().trim().min(1).max(100),
});
export const ConfirmTransferRequest = z.strictObject({ amountFen: NonNegativeFen });
export const ShipRequest = z.strictObject({
  carrier: pgString().trim().min(1).max(100),
  trackingNo: pgString().trim().min(1).max(100),
});
export const NoteRequest = z.strictObject({ note: pgString().trim().min(1).max(1000) });
export const OptionalNoteRequest = z.strictObject({ note: pgString().trim().max(1000).optional() }).nullish();

export const PaymentQueueItem = z.object({
  purchaseId: z.uuid(),
  buyerOrgName: z.string(),
  remittanceRef: z.string(),
  method: PaymentMethod,
  status: z.enum(['pending', 'submitted', 'succeeded', 'failed']),
  amountFen: NonNegativeFen,
  submittedAmountFen: NonNegativeFen.nullable(),
  submittedReference: z.string().nullable(),
  submittedAt: z.iso.datetime({ offset: true }).nullable(),
  purchaseStatus: PurchaseStatus,
});

/** How many rows a queue holds in all (a badge), where its list answers a page at a time. */
export const QueueCount = z.object({ count: z.number().int().nonnegative() });
export type QueueCount = z.infer<typeof QueueCount>;

/** A low-stock listing is one that holds fewer than this many minimum orders (MOQs). */
export const LOW_STOCK_MOQS = 3;

/** The cooperative's home page: what waits for it and how it sells, in one read. */
export const CoopDashboard = z.object({
  /** Paid orders waiting to be shipped. */
  toShip: z.number().int(),
  /** Shipped orders waiting for the cooperative to confirm delivery. */
  toConfirmDelivery: z.number().int(),
  /** Orders the buyer reported a problem with (a refund or an answer is due). */
  disputed: z.number().int(),
  /** Credited sales (net of refunds) of this and last calendar month, Asia/Shanghai. */
  thisMonth: z.object({ month: z.string(), salesFen: z.number().int(), orders: z.number().int() }),
  lastMonth: z.object({ month: z.string(), salesFen: z.number().int(), orders: z.number().int() }),
  /** Listings and edits of listed products waiting for the office's review. */
  pendingReview: z.number().int(),
  /** Listed products with fewer than LOW_STOCK_MOQS minimum orders in stock, lowest first (at most 10). */
  lowStock: z.array(
    z.object({
      id: z.uuid(),
      nameZh: z.string(),
      nameEn: z.string().nullable(),
      unitLabel: z.string(),
      unitSpec: z.string().nullable(),
      unitLabelEn: z.string().nullable(),
      unitSpecEn: z.string().nullable(),
      stock: z.number().int(),
      moq: z.number().int(),
    }),
  ),
  lowStockCount: z.number().int(),
});
export type CoopDashboard = z.infer<typeof CoopDashboard>;

/**
 * Common Chinese carriers, offered by the shipping dialog. The Chinese name is what is stored
 * (the carrier's own name, as on its waybill); the English one is shown in the en UI and emails.
 * Any other carrier is typed in and shown as typed.
 */
export const CARRIERS = [
  { zh: '顺丰速运', en: 'SF Express' },
  { zh: '中国邮政 EMS', en: 'China Post EMS' },
  { zh: '京东物流', en: 'JD Logistics' },
  { zh: '中通快递', en: 'ZTO Express' },
  { zh: '圆通速递', en: 'YTO Express' },
  { zh: '韵达快递', en: 'Yunda Express' },
  { zh: '申通快递', en: 'STO Express' },
  { zh: '德邦快递', en: 'Deppon Express' },
  { zh: '极兔速递', en: 'J&T Express' },
  { zh: '百世快递', en: 'Best Express' },
] as const;

/** A stored carrier name in the reader's language: a known carrier's English name, anything else as typed. */
export function carrierIn(name: string, lang: 'zh-CN' | 'en'): string {
  if (lang !== 'en') return name;
  return CARRIERS.find((c) => c.zh === name)?.en ?? name;
}
