import { and, asc, eq, ne, sql, type SQL } from 'drizzle-orm';
import {
  hashPassword,
  isUniqueViolation,
  notify,
  notifyOffice,
  schema,
  writeAudit,
  type Db,
  type DbOrTx,
  type Tx,
} from '@shanhai/db';
import type {
  InviteMemberRequest,
  OrgAddress,
  OrgAddressPatch,
  OrgAddressRequest,
  Member,
  OrgKind,
  OrgSignupRequest,
  OrgStatus,
  OrgSummary,
  PageQuery,
  Role,
} from '@shanhai/domain';
import { cursorKey, pageOf, type Keyset, keysetPage } from '../../lib/cursor';
import type { Principal } from '../../types';
import { conflict, forbidden, HttpProblem, ruleBroken } from '../../lib/problem';
import { revokeUserSessions } from './auth-service';
import { queueInvitation, unusablePassword } from './account-service';

const { orgs, orgAddresses, users, towns } = schema;

type OrgRow = typeof orgs.$inferSelect;
type UserRow = typeof users.$inferSelect;

function toOrgSummary(o: OrgRow): OrgSummary {
  return {
    id: o.id,
    kind: o.kind,
    status: o.status,
    name: o.name,
    townId: o.townId,
    creditCode: o.creditCode,
    contactName: o.contactName,
    contactPhone: o.contactPhone,
    address: o.address,
    invoiceTitle: o.invoiceTitle,
    taxId: o.taxId,
    invoiceAddress: o.invoiceAddress,
    invoicePhone: o.invoicePhone,
    invoiceBank: o.invoiceBank,
    invoiceBankAccount: o.invoiceBankAccount,
    approvalThresholdFen: o.approvalThresholdFen,
    statusReason: o.statusReason,
    isDemo: o.isDemo,
    createdAt: o.createdAt.toISOString(),
  };
}

function toMember(u: UserRow): Member {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    status: u.status,
    lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
    createdAt: u.createdAt.toISOString(),
  };
}

/** A partner unit or cooperative signs up; it stays `pending` until the office activates it. */
export async function signUp(db: Db, body: OrgSignupRequest): Promise<OrgSummary> {
  if (body.kind === 'cooperative') {
    const [town] = await db.select({ id: towns.id }).from(towns).where(eq(towns.id, body.townId));
    if (!town) throw ruleBroken('body.townId', 'not_a_town');
  }
  const passwordHash = await hashPassword(body.owner.password);
  try {
    return await db.transaction(async (tx) => {
      const [org] = await tx
        .insert(orgs)
        .values({
          kind: body.kind,
          status: 'pending',
          name: body.name,
          townId: body.kind === 'cooperative' ? body.townId : null,
          creditCode: body.creditCode ?? null,
          contactName: body.contactName,
          contactPhone: body.contactPhone,
          address: body.address,
          invoiceTitle: body.kind === 'buyer' ? body.invoiceTitle : null,
          taxId: body.kind === 'buyer' ? body.taxId : null,
        })
        .returning();
      await tx
        .insert(users)
        .values({ orgId: org!.id, email: body.owner.email, name: body.owner.name, passwordHash, role: 'owner' });
      await writeAudit(tx, {
        actorUserId: null,
        actorOrgId: org!.id,
        action: 'org.sign_up',
        entityType: 'org',
        entityId: org!.id,
        after: { kind: body.kind, name: body.name },
      });
      await notifyOffice(tx, {
        kind: 'org.review_needed',
        subject: { type: 'org', id: org!.id },
        link: '/office',
        params: { org: body.name },
      });
      return toOrgSummary(org!);
    });
  } catch (e) {
    if (isUniqueViolation(e, 'users_email_key')) {
      throw new HttpProblem(409, 'email_taken', 'An account with this email already exists', {
        errors: [{ field: 'body.owner.email', message: 'is already registered', code: 'already_registered' }],
      });
    }
    if (isUniqueViolation(e, 'orgs_credit_code_kind_key')) {
      throw new HttpProblem(409, 'org_exists', 'An organisation with this credit code is already registered', {
        errors: [{ field: 'body.creditCode', message: 'is already registered', code: 'already_registered' }],
      });
    }
    throw e;
  }
}

/** The office's list of orgs, newest first. */
const ORGS_KEYSET: Keyset = {
  name: 'orgs',
  keys: [
    { expr: orgs.createdAt, type: 'timestamptz' },
    { expr: orgs.id, type: 'uuid' },
  ],
};
/** The queue of pending sign-ups is worked oldest first: its own order, so its own cursors. */
const PENDING_ORGS_KEYSET: Keyset = {
  name: 'orgs.pending',
  keys: ORGS_KEYSET.keys.map((k) => ({ ...k, order: 'asc' as const })),
};

/** One page of orgs (office), filtered by status and kind. */
export async function listOrgs(
  db: Db,
  filter: { status?: OrgStatus | undefined; kind?: OrgKind | undefined } & PageQuery,
): Promise<{ items: OrgSummary[]; nextCursor: string | null }> {
  const ks = filter.status === 'pending' ? PENDING_ORGS_KEYSET : ORGS_KEYSET;
  const where: SQL[] = [];
  if (filter.status) where.push(eq(orgs.status, filter.status));
  if (filter.kind) where.push(eq(orgs.kind, filter.kind));
  const rows = await keysetPage(
    db
      .select({ o: orgs, cursorKey: cursorKey(ks) })
      .from(orgs)
      .$dynamic(),
    ks,
    filter,
    ...where,
  );
  const page = pageOf(ks, rows, filter.limit);
  return { items: page.items.map((r) => toOrgSummary(r.o)), nextCursor: page.nextCursor };
}

/** The office sees every org; anyone else only their own (another org is "not found"). */
export async function getOrg(db: Db, who: Principal, orgId: string): Promise<OrgSummary | null> {
  if (who.orgKind !== 'office' && who.orgId !== orgId) return null;
  const [row] = await db.select().from(orgs).where(eq(orgs.id, orgId));
  return row ? toOrgSummary(row) : null;
}

export async function updateOrgSettings(
  db: Db,
  who: Principal,
  orgId: string,
  patch: Partial<OrgRow>,
): Promise<OrgSummary | null> {
  if (who.orgId !== orgId) return null;
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(orgs).where(eq(orgs.id, orgId)).for('update');
    if (!before) return null;
    if (before.kind !== 'buyer' && BUYER_ONLY.some((k) => k in patch)) {
      throw ruleBroken('body', 'buyers_only');
    }
    const [after] = await tx.update(orgs).set(patch).where(eq(orgs.id, orgId)).returning();
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: 'org.update',
      entityType: 'org',
      entityId: orgId,
      before: pick(before, Object.keys(patch)),
      after: patch,
    });
    return toOrgSummary(after!);
  });
}

/** Invoice details and the approval threshold are a buyer's: a cooperative is the seller. */
const BUYER_ONLY = [
  'invoiceTitle',
  'taxId',
  'invoiceAddress',
  'invoicePhone',
  'invoiceBank',
  'invoiceBankAccount',
  'approvalThresholdFen',
] as const;

function pick(o: Record<string, unknown>, keys: string[]) {
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
}

const DECISIONS = {
  activate: { from: ['pending', 'suspended'], to: 'active' },
  reject: { from: ['pending'], to: 'rejected' },
  suspend: { from: ['active'], to: 'suspended' },
} as const satisfies Record<string, { from: readonly OrgStatus[]; to: OrgStatus }>;
export type OrgDecision = keyof typeof DECISIONS;

/** Office review of an org: activate, reject (pending only) or suspend, with the reason audited. */
export async function decideOrg(
  db: Db,
  who: Principal,
  orgId: string,
  decision: OrgDecision,
  reason: string | null,
): Promise<OrgSummary | null> {
  const rule = DECISIONS[decision];
  return db.transaction(async (tx) => {
    const [org] = await tx.select().from(orgs).where(eq(orgs.id, orgId)).for('update');
    if (!org) return null;
    if (org.kind === 'office') throw forbidden('The command office org cannot be reviewed');
    if (!(rule.from as readonly string[]).includes(org.status)) {
      throw conflict('invalid_transition', `Cannot ${decision} an organisation that is ${org.status}`, {
        from: org.status,
        to: rule.to,
      });
    }
    const [after] = await tx
      .update(orgs)
      .set({ status: rule.to, statusReason: reason })
      .where(eq(orgs.id, orgId))
      .returning();
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: `org.${decision}`,
      entityType: 'org',
      entityId: orgId,
      before: { status: org.status },
      after: { status: rule.to },
      ...(reason ? { note: reason } : {}),
    });
    return toOrgSummary(after!);
  });
}

/** An org's members, oldest first (the id breaks ties between members added in one instant). */
const MEMBERS_KEYSET: Keyset = {
  name: 'members',
  keys: [
    { expr: users.createdAt, type: 'timestamptz', order: 'asc' },
    { expr: users.id, type: 'uuid', order: 'asc' },
  ],
};

/** One page of an org's members (removed ones are gone), oldest first. */
export async function listMembers(
  db: Db,
  orgId: string,
  page: PageQuery,
): Promise<{ items: Member[]; nextCursor: string | null }> {
  const rows = await keysetPage(
    db
      .select({ u: users, cursorKey: cursorKey(MEMBERS_KEYSET) })
      .from(users)
      .$dynamic(),
    MEMBERS_KEYSET,
    page,
    eq(users.orgId, orgId),
    ne(users.status, 'removed'),
  );
  const { items, nextCursor } = pageOf(MEMBERS_KEYSET, rows, page.limit);
  return { items: items.map((r) => toMember(r.u)), nextCursor };
}

/** A security notice: the org's owners (but not the one who did it) learn of every new member. */
async function tellOwnersOfNewMember(tx: DbOrTx, who: Principal, member: UserRow) {
  const [by] = await tx.select({ name: users.name }).from(users).where(eq(users.id, who.userId));
  await notify(tx, {
    kind: 'security.member_added',
    orgId: who.orgId,
    roles: ['owner'],
    exceptUserId: who.userId,
    subject: { type: 'user', id: member.id },
    link: '/account/members',
    params: { by: by?.name ?? '', member: member.name, email: member.email },
  });
}

/** Roles a user may hand out: an owner names managers and members, a manager only members. */
const MAY_GRANT: Record<Role, readonly Role[]> = { owner: ['manager', 'member'], manager: ['member'], member: [] };

export async function inviteMember(db: Db, who: Principal, body: InviteMemberRequest): Promise<Member> {
  if (!MAY_GRANT[who.role].includes(body.role)) throw forbidden(`A ${who.role} cannot add a ${body.role}`);
  const passwordHash = await unusablePassword();
  try {
    return await db.transaction(async (tx) => {
      const [user] = await tx
        .insert(users)
        .values({ orgId: who.orgId, email: body.email, name: body.name, passwordHash, role: body.role })
        .returning();
      // The invitation email carries a set-your-password link; it is sent once this commits.
      await queueInvitation(tx, user!.id);
      await writeAudit(tx, {
        actorUserId: who.userId,
        actorOrgId: who.orgId,
        action: 'member.invite',
        entityType: 'user',
        entityId: user!.id,
        after: { email: body.email, role: body.role },
      });
      await tellOwnersOfNewMember(tx, who, user!);
      return toMember(user!);
    });
  } catch (e) {
    if (isUniqueViolation(e, 'users_email_key')) {
      throw new HttpProblem(409, 'email_taken', 'An account with this email already exists', {
        errors: [{ field: 'body.email', message: 'is already registered', code: 'already_registered' }],
      });
    }
    throw e;
  }
}

/** Deactivates or reactivates a member of the caller's own org; another org's user is not found. */
export async function setMemberStatus(
  db: Db,
  who: Principal,
  userId: string,
  status: 'active' | 'deactivated',
): Promise<Member | null> {
  return db.transaction(async (tx) => {
    const user = await lockMember(tx, who.orgId, userId);
    if (!user) return null;
    if (user.id === who.userId) throw forbidden('You cannot change your own account status');
    if (!MAY_GRANT[who.role].includes(user.role))
      throw forbidden(`A ${who.role} cannot change a ${user.role}'s account`);
    if (user.status === status) return toMember(user);
    const [after] = await tx.update(users).set({ status }).where(eq(users.id, userId)).returning();
    if (status === 'deactivated') await revokeUserSessions(tx, userId);
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: status === 'deactivated' ? 'member.deactivate' : 'member.reactivate',
      entityType: 'user',
      entityId: userId,
      before: { status: user.status },
      after: { status },
    });
    return toMember(after!);
  });
}

const ROLE_NAMES: Record<Role, { zh: string; en: string }> = {
  owner: { zh: '负责人', en: 'owner' },
  manager: { zh: '管理员', en: 'manager' },
  member: { zh: '成员', en: 'member' },
};

/**
 * The org's owners, locked in id order. Every change that can take an owner away (a demotion, a
 * removal) takes these locks first, so two owners demoting or removing each other at once run one
 * after the other and the second sees what the first did: an org never ends up without an owner.
 */
async function lockOwners(tx: Tx, orgId: string) {
  return tx
    .select({ id: users.id, status: users.status })
    .from(users)
    .where(and(eq(users.orgId, orgId), eq(users.role, 'owner')))
    .orderBy(asc(users.id))
    .for('update');
}

const lastOwner = () =>
  conflict('last_owner', 'The organisation would have no owner left: make another member an owner first');

/**
 * Checks, under the owner locks, that the caller is still an active owner and that the change
 * (`takesOwner`: it demotes or removes an active owner) leaves at least one: a sole owner acting on
 * themself is told why (409) rather than just refused.
 */
async function guardOwnerChange(tx: Tx, who: Principal, target: UserRow, takesOwner: boolean, self: string) {
  const owners = await lockOwners(tx, who.orgId);
  const othersLeft = owners.filter((o) => o.status === 'active' && o.id !== target.id).length;
  const loses = takesOwner && target.role === 'owner' && target.status === 'active';
  if (loses && othersLeft === 0) throw lastOwner();
  if (target.id === who.userId) throw forbidden(self);
  if (!owners.some((o) => o.id === who.userId && o.status === 'active')) throw forbidden('Only an owner may do this');
}

/** The member row of the caller's org, locked (after the owner locks); removed members are gone. */
async function lockMember(tx: Tx, orgId: string, userId: string) {
  const [user] = await tx
    .select()
    .from(users)
    .where(and(eq(users.id, userId), eq(users.orgId, orgId)))
    .for('update');
  return user && user.status !== 'removed' ? user : null;
}

/**
 * An owner gives another member of the own org a new role, audited as `member.role` (before and
 * after). The member's sessions end, so the new role holds from their next sign-in rather than
 * when their access token runs out; the org's other owners get a security notice. Owners cannot
 * change their own role, and the last owner cannot be demoted (409).
 */
export async function changeMemberRole(db: Db, who: Principal, userId: string, role: Role): Promise<Member | null> {
  if (who.role !== 'owner') throw forbidden("Only an owner changes a member's role");
  return db.transaction(async (tx) => {
    // Owner locks before the member's row: the same order as removeMember, so they cannot deadlock.
    await lockOwners(tx, who.orgId);
    const user = await lockMember(tx, who.orgId, userId);
    if (!user) return null;
    if (user.role === role && user.id !== who.userId) return toMember(user);
    await guardOwnerChange(tx, who, user, role !== 'owner', 'You cannot change your own role');
    const [after] = await tx.update(users).set({ role }).where(eq(users.id, userId)).returning();
    await revokeUserSessions(tx, userId);
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: 'member.role',
      entityType: 'user',
      entityId: userId,
      before: { role: user.role },
      after: { role },
    });
    const [by] = await tx.select({ name: users.name }).from(users).where(eq(users.id, who.userId));
    await notify(tx, {
      kind: 'security.member_role_changed',
      orgId: who.orgId,
      roles: ['owner'],
      exceptUserId: who.userId,
      subject: { type: 'user', id: userId },
      // One notice per change: the same member may change role again later.
      eventKey: `security.member_role_changed:${userId}:${role}:${Date.now()}`,
      link: '/account/members',
      params: {
        by: by?.name ?? '',
        member: user.name,
        email: user.email,
        fromZh: ROLE_NAMES[user.role].zh,
        fromEn: ROLE_NAMES[user.role].en,
        toZh: ROLE_NAMES[role].zh,
        toEn: ROLE_NAMES[role].en,
      },
    });
    return toMember(after!);
  });
}

/**
 * An owner takes a member out of the org, audited as `member.remove`. The row stays (with status
 * `removed`) for the orders and audit entries it signed, but the member's sessions end at once, they
 * can no longer sign in, and they leave the members list; the org's other owners get a security
 * notice. The last owner cannot be removed (409); nobody removes themself. False: no such member.
 */
export async function removeMember(db: Db, who: Principal, userId: string): Promise<boolean> {
  if (who.role !== 'owner') throw forbidden('Only an owner removes a member');
  return db.transaction(async (tx) => {
    await lockOwners(tx, who.orgId);
    const user = await lockMember(tx, who.orgId, userId);
    if (!user) return false;
    await guardOwnerChange(tx, who, user, true, 'You cannot remove yourself');
    await tx.update(users).set({ status: 'removed' }).where(eq(users.id, userId));
    await revokeUserSessions(tx, userId);
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: 'member.remove',
      entityType: 'user',
      entityId: userId,
      before: { status: user.status, role: user.role },
      after: { status: 'removed' },
    });
    const [by] = await tx.select({ name: users.name }).from(users).where(eq(users.id, who.userId));
    await notify(tx, {
      kind: 'security.member_removed',
      orgId: who.orgId,
      roles: ['owner'],
      exceptUserId: who.userId,
      subject: { type: 'user', id: userId },
      link: '/account/members',
      params: {
        by: by?.name ?? '',
        member: user.name,
        email: user.email,
        roleZh: ROLE_NAMES[user.role].zh,
        roleEn: ROLE_NAMES[user.role].en,
      },
    });
    return true;
  });
}

type AddressRow = typeof orgAddresses.$inferSelect;

function toOrgAddress(a: AddressRow): OrgAddress {
  return {
    id: a.id,
    address: a.address,
    contactName: a.contactName,
    contactPhone: a.contactPhone,
    isDefault: a.isDefault,
    createdAt: a.createdAt.toISOString(),
  };
}

/** The address book of the caller's own org (default first), or null for another org. */
/** An address book: the default first, then oldest first, the id breaking ties. */
const ADDRESSES_KEYSET: Keyset = {
  name: 'addresses',
  keys: [
    { expr: orgAddresses.isDefault, type: 'boolean', order: 'desc' },
    { expr: orgAddresses.createdAt, type: 'timestamptz', order: 'asc' },
    { expr: orgAddresses.id, type: 'uuid', order: 'asc' },
  ],
};

/** One page of one's own org's address book (another org's: null, a 404). */
export async function listAddresses(
  db: DbOrTx,
  who: Principal,
  orgId: string,
  page: PageQuery,
): Promise<{ items: OrgAddress[]; nextCursor: string | null } | null> {
  if (who.orgId !== orgId) return null;
  const rows = await keysetPage(
    db
      .select({ a: orgAddresses, cursorKey: cursorKey(ADDRESSES_KEYSET) })
      .from(orgAddresses)
      .$dynamic(),
    ADDRESSES_KEYSET,
    page,
    eq(orgAddresses.orgId, orgId),
  );
  const { items, nextCursor } = pageOf(ADDRESSES_KEYSET, rows, page.limit);
  return { items: items.map((r) => toOrgAddress(r.a)), nextCursor };
}

/** A delivery address book belongs to a buyer: its checkout takes the default. */
const MAX_ADDRESSES = 50;

/**
 * Runs `change` on the caller's own buyer org with the org row locked: every change of the
 * address book of one org (add, edit, remove, switch the default) queues behind the others, so
 * two concurrent switches of the default end with exactly one default.
 */
async function withAddressBook<T>(
  db: Db,
  who: Principal,
  orgId: string,
  change: (tx: Tx) => Promise<T>,
): Promise<T | null> {
  if (who.orgId !== orgId) return null;
  return db.transaction(async (tx) => {
    const [org] = await tx.select({ kind: orgs.kind }).from(orgs).where(eq(orgs.id, orgId)).for('update');
    if (!org) return null;
    if (org.kind !== 'buyer') throw forbidden('Only a buyer organisation keeps a delivery address book');
    return change(tx);
  });
}

async function makeDefault(tx: DbOrTx, orgId: string, addressId: string) {
  await tx
    .update(orgAddresses)
    .set({ isDefault: false })
    .where(and(eq(orgAddresses.orgId, orgId), eq(orgAddresses.isDefault, true)));
  await tx.update(orgAddresses).set({ isDefault: true }).where(eq(orgAddresses.id, addressId));
}

async function auditAddress(
  tx: DbOrTx,
  who: Principal,
  action: 'org.address_add' | 'org.address_update' | 'org.address_remove' | 'org.address_default',
  id: string,
  before: unknown,
  after: unknown,
) {
  await writeAudit(tx, {
    actorUserId: who.userId,
    actorOrgId: who.orgId,
    action,
    entityType: 'org_address',
    entityId: id,
    before,
    after,
  });
}

const addressFacts = (a: AddressRow) => ({
  address: a.address,
  contactName: a.contactName,
  contactPhone: a.contactPhone,
  isDefault: a.isDefault,
});

export async function addAddress(
  db: Db,
  who: Principal,
  orgId: string,
  body: OrgAddressRequest,
): Promise<OrgAddress | null> {
  return withAddressBook(db, who, orgId, async (tx) => {
    const [{ n }] = (await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(orgAddresses)
      .where(eq(orgAddresses.orgId, orgId))) as [{ n: number }];
    if (n >= MAX_ADDRESSES) throw conflict('too_many_addresses', `An address book holds at most ${MAX_ADDRESSES}`);
    const [row] = await tx
      .insert(orgAddresses)
      .values({ orgId, address: body.address, contactName: body.contactName, contactPhone: body.contactPhone })
      .returning();
    if (n === 0 || body.isDefault) await makeDefault(tx, orgId, row!.id);
    const after = { ...addressFacts(row!), isDefault: n === 0 || body.isDefault === true };
    await auditAddress(tx, who, 'org.address_add', row!.id, null, after);
    return toOrgAddress({ ...row!, isDefault: after.isDefault });
  });
}

async function lockedAddress(tx: DbOrTx, orgId: string, id: string) {
  const [row] = await tx
    .select()
    .from(orgAddresses)
    .where(and(eq(orgAddresses.id, id), eq(orgAddresses.orgId, orgId)));
  return row ?? null;
}

export async function updateAddress(
  db: Db,
  who: Principal,
  orgId: string,
  id: string,
  patch: OrgAddressPatch,
): Promise<OrgAddress | null> {
  return withAddressBook(db, who, orgId, async (tx) => {
    const before = await lockedAddress(tx, orgId, id);
    if (!before) return null;
    const [after] = await tx.update(orgAddresses).set(patch).where(eq(orgAddresses.id, id)).returning();
    await auditAddress(tx, who, 'org.address_update', id, pick(before, Object.keys(patch)), patch);
    return toOrgAddress(after!);
  });
}

/** Removes an address; removing the default makes the oldest remaining address the default. */
export async function removeAddress(db: Db, who: Principal, orgId: string, id: string): Promise<boolean | null> {
  return withAddressBook(db, who, orgId, async (tx) => {
    const before = await lockedAddress(tx, orgId, id);
    if (!before) return null;
    await tx.delete(orgAddresses).where(eq(orgAddresses.id, id));
    if (before.isDefault) {
      const [next] = await tx
        .select({ id: orgAddresses.id })
        .from(orgAddresses)
        .where(eq(orgAddresses.orgId, orgId))
        .orderBy(asc(orgAddresses.createdAt), asc(orgAddresses.id))
        .limit(1);
      if (next) await makeDefault(tx, orgId, next.id);
    }
    await auditAddress(tx, who, 'org.address_remove', id, addressFacts(before), null);
    return true;
  });
}

export async function setDefaultAddress(db: Db, who: Principal, orgId: string, id: string): Promise<OrgAddress | null> {
  return withAddressBook(db, who, orgId, async (tx) => {
    const before = await lockedAddress(tx, orgId, id);
    if (!before) return null;
    if (!before.isDefault) {
      await makeDefault(tx, orgId, id);
      await auditAddress(tx, who, 'org.address_default', id, { isDefault: false }, { isDefault: true });
    }
    return toOrgAddress({ ...before, isDefault: true });
  });
}
