import { z } from 'zod';
import {
  Member,
  OrgSummary,
  type InviteMemberRequest,
  type OrgKind,
  type OrgSignupRequest,
  type OrgStatus,
} from '@shanhai/domain';
import { http } from './http';

export const signUp = (body: OrgSignupRequest) => http.post('/orgs', OrgSummary, body);
export const listOrgs = (status?: OrgStatus, kind?: OrgKind) =>
  http.get('/orgs', z.array(OrgSummary), { status, kind });
export const getOrg = (id: string) => http.get(`/orgs/${id}`, OrgSummary);
export const decideOrg = (id: string, decision: 'activate' | 'reject' | 'suspend', reason?: string) =>
  http.post(`/orgs/${id}/${decision}`, OrgSummary, reason ? { reason } : undefined);
export const members = (orgId: string) => http.get(`/orgs/${orgId}/members`, z.array(Member));
export const inviteMember = (orgId: string, body: InviteMemberRequest) =>
  http.post(`/orgs/${orgId}/members`, Member, body);
export const setMemberActive = (orgId: string, userId: string, active: boolean) =>
  http.post(`/orgs/${orgId}/members/${userId}/${active ? 'reactivate' : 'deactivate'}`, Member);
