import { z } from 'zod';
import { NonNegativeFen } from '../money';
import { PageQuery } from './page';
import { pgString } from '../storage';

export const OrgKind = z.enum(['buyer', 'cooperative', 'office']);
export type OrgKind = z.infer<typeof OrgKind>;

/** `rejected` ends a sign-up the office turned down (with a reason). */
export const OrgStatus = z.enum(['pending', 'active', 'suspended', 'rejected']);
export type OrgStatus = z.infer<typeof OrgStatus>;

export const Role = z.enum(['owner', 'manager', 'member']);
export type Role = z.infer<typeof Role>;

/** `invited`: waiting to set a password from the emailed invitation link; `removed`: taken out of the org. */
export const UserStatus = z.enum(['active', 'deactivated', 'invited', 'removed']);
export type UserStatus = z.infer<typeof UserStatus>;

export const Email = z
  .email()
  .max(254)
  .transform((e) => e.toLowerCase());

/** Long enough to resist guessing; no composition rules (NIST SP 800-63B). */
export const NewPassword = pgString().min(10).max(200);

export const LoginRequest = z.strictObject({
  email: Email,
  password: pgString().min(1).max(200),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

export const SessionOrg = z.object({
  id: z.uuid(),
  kind: OrgKind,
  name: z.string(),
  status: OrgStatus,
});
export type SessionOrg = z.infer<typeof SessionOrg>;

export const SessionUser = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  role: Role,
  org: SessionOrg,
});
export type SessionUser = z.infer<typeof SessionUser>;

export const LoginResponse = z.object({
  accessToken: z.string(),
  /** Seconds until the access token expires. */
  expiresIn: z.number().int(),
  user: SessionUser,
});
export type LoginResponse = z.infer<typeof LoginResponse>;

/** 统一社会信用代码: 18 characters, digits and capital letters without I, O, S, V, Z. */
export const CreditCode = z.stringFormat('credit_code', /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/);

export const Phone = z.stringFormat('phone', /^[0-9+\-\s()]{6,20}$/);

/** 纳税人识别号: the 18-character credit code, or an older 15- or 20-character taxpayer number. */
export const TaxId = z.stringFormat(
  'tax_id',
  /^(?:[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}|[0-9A-Z]{15}|[0-9A-Z]{20})$/,
);
/** A bank account number as printed on a 专票: digits, optionally grouped by spaces or dashes. */
export const BankAccountNo = z.stringFormat('bank_account', /^\d[\d\s-]{6,38}\d$/);

const SignupOwner = z.strictObject({
  email: Email,
  name: pgString().trim().min(1).max(100),
  password: NewPassword,
});

const SignupCommon = {
  name: pgString().trim().min(2).max(100),
  contactName: pgString().trim().min(1).max(100),
  contactPhone: Phone,
  owner: SignupOwner,
};

/** Sign-up of a partner unit (company, agency, trade union) or a cooperative. */
export const OrgSignupRequest = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('buyer'),
    ...SignupCommon,
    creditCode: CreditCode.optional(),
    address: pgString().trim().min(4).max(300),
    invoiceTitle: pgString().trim().min(2).max(150),
    taxId: CreditCode,
  }),
  z.strictObject({
    kind: z.literal('cooperative'),
    ...SignupCommon,
    townId: z.uuid(),
    creditCode: CreditCode,
    address: pgString().trim().min(4).max(300),
  }),
]);
export type OrgSignupRequest = z.infer<typeof OrgSignupRequest>;

export const OrgSummary = z.object({
  id: z.uuid(),
  kind: OrgKind,
  status: OrgStatus,
  name: z.string(),
  townId: z.uuid().nullable(),
  creditCode: z.string().nullable(),
  contactName: z.string().nullable(),
  contactPhone: z.string().nullable(),
  address: z.string().nullable(),
  invoiceTitle: z.string().nullable(),
  taxId: z.string().nullable(),
  /** 专票 details: registered address and phone, bank and account. */
  invoiceAddress: z.string().nullable(),
  invoicePhone: z.string().nullable(),
  invoiceBank: z.string().nullable(),
  invoiceBankAccount: z.string().nullable(),
  approvalThresholdFen: NonNegativeFen.nullable(),
  statusReason: z.string().nullable(),
  isDemo: z.boolean(),
  createdAt: z.iso.datetime(),
});
export type OrgSummary = z.infer<typeof OrgSummary>;

export const OrgListQuery = z.strictObject({
  status: OrgStatus.optional(),
  kind: OrgKind.optional(),
  ...PageQuery.shape,
});

export const OrgDecisionRequest = z.strictObject({
  reason: pgString().trim().min(2).max(500),
});

/** What an org's owner or manager may change about their own org. */
export const OrgSettingsRequest = z.strictObject({
  contactName: pgString().trim().min(1).max(100).optional(),
  contactPhone: Phone.optional(),
  address: pgString().trim().min(4).max(300).optional(),
  invoiceTitle: pgString().trim().min(2).max(150).optional(),
  taxId: CreditCode.optional(),
  invoiceAddress: pgString().trim().min(4).max(300).nullable().optional(),
  invoicePhone: Phone.nullable().optional(),
  invoiceBank: pgString().trim().min(2).max(100).nullable().optional(),
  invoiceBankAccount: BankAccountNo.nullable().optional(),
  approvalThresholdFen: NonNegativeFen.nullable().optional(),
});
export type OrgSettingsRequest = z.infer<typeof OrgSettingsRequest>;

/** One delivery address of a buyer org's address book. */
export const OrgAddress = z.object({
  id: z.uuid(),
  address: z.string(),
  contactName: z.string(),
  contactPhone: z.string(),
  isDefault: z.boolean(),
  createdAt: z.iso.datetime(),
});
export type OrgAddress = z.infer<typeof OrgAddress>;

export const OrgAddressRequest = z.strictObject({
  address: pgString().trim().min(4).max(300),
  contactName: pgString().trim().min(1).max(100),
  contactPhone: Phone,
  /** Make it the default (the first address of an org is the default whatever this says). */
  isDefault: z.boolean().optional(),
});
export type OrgAddressRequest = z.infer<typeof OrgAddressRequest>;

export const OrgAddressPatch = OrgAddressRequest.omit({ isDefault: true }).partial();
export type OrgAddressPatch = z.infer<typeof OrgAddressPatch>;

export const Member = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  role: Role,
  status: UserStatus,
  lastLoginAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
});
export type Member = z.infer<typeof Member>;

/** One's own org's members, oldest first, a page at a time. */
export const MemberListQuery = PageQuery;
export type MemberListQuery = z.infer<typeof MemberListQuery>;
/** One's own org's delivery addresses, the default first, then oldest first, a page at a time. */
export const AddressListQuery = PageQuery;
export type AddressListQuery = z.infer<typeof AddressListQuery>;

/** The new member sets their own password from the invitation email (no password is chosen for them). */
export const InviteMemberRequest = z.strictObject({
  email: Email,
  name: pgString().trim().min(1).max(100),
  role: z.enum(['manager', 'member']),
});
export type InviteMemberRequest = z.infer<typeof InviteMemberRequest>;

/** An owner gives another member of the org a new role (owner, manager or member). */
export const ChangeMemberRoleRequest = z.strictObject({ role: Role });
export type ChangeMemberRoleRequest = z.infer<typeof ChangeMemberRoleRequest>;
