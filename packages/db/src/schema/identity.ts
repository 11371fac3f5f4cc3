import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';
import { fen, timestamps } from './columns';
import { towns } from './regions';

export const orgKind = pgEnum('org_kind', ['buyer', 'cooperative', 'office']);
export const orgStatus = pgEnum('org_status', ['pending', 'active', 'suspended', 'rejected']);
export const userRole = pgEnum('user_role', ['owner', 'manager', 'member']);
/**
 * `invited`: added by an owner or manager, waiting to set a password from the emailed link.
 * `removed`: taken out of the org by an owner; the row stays for the history it signed (orders,
 * audit) but never signs in, is never listed and cannot be reactivated.
 */
export const userStatus = pgEnum('user_status', ['active', 'deactivated', 'invited', 'removed']);
/** The language of a user's emails. */
export const userLocale = pgEnum('user_locale', ['zh-CN', 'en']);
/**
 * What kind of partner unit a buyer org is: agencies (机关) and public institutions (事业单位) are
 * budget units that declare a reserved share; state-owned enterprises (国企) and trade unions (工会)
 * pledge to their paired towns.
 */
export const unitKind = pgEnum('unit_kind', ['agency', 'institution', 'soe', 'union', 'other']);

export const orgs = pgTable(
  'orgs',
  {
    id: uuid().primaryKey().defaultRandom(),
    kind: orgKind().notNull(),
    status: orgStatus().notNull().default('pending'),
    name: text().notNull(),
    /** The town a cooperative belongs to (its products are credited there); null for others. */
    townId: uuid().references((): AnyPgColumn => towns.id),
    /** 统一社会信用代码 (unified social credit code). */
    creditCode: text(),
    contactName: text(),
    contactPhone: text(),
    /** Delivery address of a buyer org; business address of a cooperative. */
    address: text(),
    /** Invoice title (发票抬头) of a buyer org. */
    invoiceTitle: text(),
    /** Taxpayer id (纳税人识别号) of a buyer org. */
    taxId: text(),
    /** 增值税专用发票 details of a buyer org: registered address and phone, bank and account. */
    invoiceAddress: text(),
    invoicePhone: text(),
    invoiceBank: text(),
    invoiceBankAccount: text(),
    /** Buyer orgs: a `member`'s purchase above this total (fen) waits for approval; null = never. */
    approvalThresholdFen: fen(),
    /** Buyer orgs: the kind of partner unit, set by the office; null = not classified. */
    unitKind: unitKind(),
    /** Why the office rejected or suspended the org. */
    statusReason: text(),
    /** Generated for the demo; never an official participant. */
    isDemo: boolean().notNull().default(false),
    ...timestamps,
  },
  (t) => [
    index().on(t.kind, t.status),
    uniqueIndex('orgs_credit_code_kind_key')
      .on(t.kind, t.creditCode)
      .where(sql`${t.creditCode} is not null`),
  ],
);

export const users = pgTable(
  'users',
  {
    id: uuid().primaryKey().defaultRandom(),
    orgId: uuid()
      .notNull()
      .references(() => orgs.id),
    /** Stored lower-case; unique across the platform. */
    email: text().notNull(),
    name: text().notNull(),
    /** argon2id PHC string. */
    passwordHash: text().notNull(),
    role: userRole().notNull(),
    status: userStatus().notNull().default('active'),
    locale: userLocale().notNull().default('zh-CN'),
    lastLoginAt: timestamp({ withTimezone: true }),
    /** Access tokens issued before this are refused: changing a password ends other sessions at once. */
    passwordChangedAt: timestamp({ withTimezone: true }),
    ...timestamps,
  },
  (t) => [uniqueIndex('users_email_key').on(t.email), index().on(t.orgId)],
);

/**
 * Refresh tokens, stored as SHA-256 hashes. Each refresh rotates the token within its family;
 * presenting a rotated or revoked token again revokes the whole family (theft detection).
 */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id),
    familyId: uuid().notNull(),
    /** hex SHA-256 of the token; the token itself is never stored. */
    tokenHash: text().notNull(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    /** Set when this token was exchanged for its successor. */
    rotatedAt: timestamp({ withTimezone: true }),
    revokedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('refresh_tokens_hash_key').on(t.tokenHash), index().on(t.familyId), index().on(t.userId)],
);

/**
 * A buyer org's delivery address book. Exactly one address of an org with any addresses is the
 * default (a partial unique index guards "at most one"; the service keeps "at least one"), and
 * checkout takes it when no address is given.
 */
export const orgAddresses = pgTable(
  'org_addresses',
  {
    id: uuid().primaryKey().defaultRandom(),
    orgId: uuid()
      .notNull()
      .references(() => orgs.id),
    address: text().notNull(),
    contactName: text().notNull(),
    contactPhone: text().notNull(),
    isDefault: boolean().notNull().default(false),
    ...timestamps,
  },
  (t) => [
    index().on(t.orgId),
    uniqueIndex('org_addresses_one_default_key')
      .on(t.orgId)
      .where(sql`${t.isDefault}`),
  ],
);
