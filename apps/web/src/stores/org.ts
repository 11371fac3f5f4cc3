import { ref } from 'vue';
import { defineStore } from 'pinia';
import type { InviteMemberRequest, Member, OrgSummary, Role } from '@shanhai/domain';
import * as orgsApi from '@/api/orgs';
import { usePagedList } from '@/composables/use-paged-list';

/** The caller's own org, its members, and (for the office) the review queue. */
export const useOrgStore = defineStore('org', () => {
  const org = ref<OrgSummary | null>(null);
  const memberList = ref<Member[]>([]);
  /** The office's queue of sign-ups, oldest first, a page at a time. */
  const queue = usePagedList((cursor) => orgsApi.orgsPage({ status: 'pending' }, cursor));

  async function loadOrg(id: string) {
    org.value = await orgsApi.getOrg(id);
  }
  async function loadMembers(orgId: string) {
    memberList.value = await orgsApi.members(orgId);
  }
  async function invite(orgId: string, body: InviteMemberRequest) {
    await orgsApi.inviteMember(orgId, body);
    await loadMembers(orgId);
  }
  async function setActive(orgId: string, userId: string, active: boolean) {
    await orgsApi.setMemberActive(orgId, userId, active);
    await loadMembers(orgId);
  }
  async function changeRole(orgId: string, userId: string, role: Role) {
    await orgsApi.changeMemberRole(orgId, userId, role);
    await loadMembers(orgId);
  }
  async function remove(orgId: string, userId: string) {
    await orgsApi.removeMember(orgId, userId);
    await loadMembers(orgId);
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
    memberList,
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
