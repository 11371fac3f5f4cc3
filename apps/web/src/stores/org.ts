import { ref } from 'vue';
import { defineStore } from 'pinia';
import type { InviteMemberRequest, OrgSummary, Role } from '@shanhai/domain';
import * as orgsApi from '@/api/orgs';
import { usePagedList } from '@/composables/use-paged-list';

/** The caller's own org, its members, and (for the office) the review queue. */
export const useOrgStore = defineStore('org', () => {
  const org = ref<OrgSummary | null>(null);
  /** Whose members `members` lists. */
  let memberOrgId = '';
  /** The org's members, oldest first, a page at a time. */
  const members = usePagedList((cursor) => orgsApi.membersPage(memberOrgId, cursor));
  /** The office's queue of sign-ups, oldest first, a page at a time. */
  const queue = usePagedList((cursor) => orgsApi.orgsPage({ status: 'pending' }, cursor));

  async function loadOrg(id: string) {
    org.value = await orgsApi.getOrg(id);
  }
  async function loadMembers(orgId: string) {
    memberOrgId = orgId;
    await members.reload();
  }
  /** After a change: the members shown so far, read again (at least one page, so a new one shows). */
  const refreshMembers = () => members.refresh();
  async function invite(orgId: string, body: InviteMemberRequest) {
    await orgsApi.inviteMember(orgId, body);
    await refreshMembers();
  }
  async function setActive(orgId: string, userId: string, active: boolean) {
    await orgsApi.setMemberActive(orgId, userId, active);
    await refreshMembers();
  }
  async function changeRole(orgId: string, userId: string, role: Role) {
    await orgsApi.changeMemberRole(orgId, userId, role);
    await refreshMembers();
  }
  async function remove(orgId: string, userId: string) {
    await orgsApi.removeMember(orgId, userId);
    await refreshMembers();
  }
  async function loadQueue() {
    await queue.reload();
  }
  async function decide(id: string, decision: 'activate' | 'reject' | 'suspend', reason?: string) {
    await orgsApi.decideOrg(id, decision, reason);
    await queue.refresh();
  }

  return {
    org,
    members,
    queue,
    loadOrg,
    loadMembers,
    invite,
    setActive,
    changeRole,
    remove,
    loadQueue,
    decide,
  };
});
