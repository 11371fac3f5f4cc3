import {
  MAX_PAGE,
  Member,
  OrgAddress,
  OrgSummary,
  type InviteMemberRequest,
  type OrgAddressPatch,
  type OrgAddressRequest,
  type OrgSettingsRequest,
  type OrgKind,
  type OrgSignupRequest,
  type OrgStatus,
  type Role,
} from '@shanhai/domain';
import { allItems, getPage, http, NoContent } from './http';

export const signUp = (body: OrgSignupRequest) => http.post('/orgs', OrgSummary, body);
/** One page of orgs (office): the sign-up queue (`pending`) oldest first, any other newest first. */
export const orgsPage = (query: { status?: OrgStatus; kind?: OrgKind }, cursor?: string) =>
  getPage('/orgs', OrgSummary, { ...query, cursor });
/** Every org of a status and kind, page after page: the options of a picker. */
export const allOrgs = (status?: OrgStatus, kind?: OrgKind) =>
  allItems((cursor) => getPage('/orgs', OrgSummary, { status, kind, cursor, limit: MAX_PAGE }));
export const getOrg = (id: string) => http.get(`/orgs/${id}`, OrgSummary);
export const decideOrg = (id: string, decision: 'activate' | 'reject' | 'suspend', reason?: string) =>
  http.post(`/orgs/${id}/${decision}`, OrgSummary, reason ? { reason } : undefined);
/** One page of one's own org's members, oldest first. */
export const membersPage = (orgId: string, cursor?: string, limit?: number) =>
  getPage(`/orgs/${orgId}/members`, Member, { cursor, limit });
export const inviteMember = (orgId: string, body: InviteMemberRequest) =>
  http.post(`/orgs/${orgId}/members`, Member, body);
export const changeMemberRole = (orgId: string, userId: string, role: Role) =>
  http.patch(`/orgs/${orgId}/members/${userId}`, Member, { role });
export const removeMember = (orgId: string, userId: string) => http.del(`/orgs/${orgId}/members/${userId}`, NoContent);
export const setMemberActive = (orgId: string, userId: string, active: boolean) =>
  http.post(`/orgs/${orgId}/members/${userId}/${active ? 'reactivate' : 'deactivate'}`, Member);

export const updateOrg = (id: string, body: OrgSettingsRequest) => http.patch(`/orgs/${id}`, OrgSummary, body);
/** The whole address book (at most 50 addresses), the default first: page after page, the api's largest. */
export const addresses = (orgId: string) =>
  allItems((cursor) => getPage(`/orgs/${orgId}/addresses`, OrgAddress, { cursor, limit: MAX_PAGE }));
export const addAddress = (orgId: string, body: OrgAddressRequest) =>
  http.post(`/orgs/${orgId}/addresses`, OrgAddress, body);
export const updateAddress = (orgId: string, id: string, body: OrgAddressPatch) =>
  http.patch(`/orgs/${orgId}/addresses/${id}`, OrgAddress, body);
export const removeAddress = (orgId: string, id: string) => http.del(`/orgs/${orgId}/addresses/${id}`, NoContent);
export const makeDefaultAddress = (orgId: string, id: string) =>
  http.post(`/orgs/${orgId}/addresses/${id}/default`, OrgAddress);
