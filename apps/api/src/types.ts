import type { Actor } from '@shanhai/db';
import type { OrgKind, Role } from '@shanhai/domain';

/** Who is calling: loaded from the database on every authenticated request, not trusted from the token. */
export interface Principal {
  userId: string;
  orgId: string;
  orgKind: OrgKind;
  role: Role;
  email: string;
}

/** The principal as the actor of an order transition or an audit entry. */
export const actorOf = (p: Principal): Actor => ({ userId: p.userId, kind: 'user' });

export interface AccessClaims {
  sub: string;
  org: string;
}
