import type { OrgKind, Role } from '@shanhai/domain';

/** Who is calling: loaded from the database on every authenticated request, not trusted from the token. */
export interface Principal {
  userId: string;
  orgId: string;
  orgKind: OrgKind;
  role: Role;
  email: string;
}

export interface AccessClaims {
  sub: string;
  org: string;
}
