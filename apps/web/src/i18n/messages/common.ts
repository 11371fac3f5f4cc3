/** Shell, navigation and words used everywhere. */
export default {
  'zh-CN': {
    app: { name: '山海集市', tagline: '广清消费帮扶集采平台', demoBadge: '演示数据' },
    nav: { store: '集市', coop: '合作社后台', office: '指挥部后台', members: '成员管理', login: '登录', logout: '退出登录', signup: '入驻申请', language: 'English', account: '我的账户' },
    common: {
      save: '保存', cancel: '取消', confirm: '确认', edit: '编辑', submit: '提交', back: '返回', loading: '加载中…', empty: '暂无数据', actions: '操作', reason: '原因', search: '搜索', refresh: '刷新', yes: '是', no: '否', required: '必填', saved: '已保存', failed: '操作失败', chooseFiles: '选择文件', noFile: '未选择文件',
    },
    kind: { buyer: '帮扶单位', cooperative: '合作社', office: '指挥部' },
    role: { owner: '负责人', manager: '管理员', member: '成员' },
    orgStatus: { pending: '待审核', active: '已启用', suspended: '已暂停', rejected: '已驳回' },
    userStatus: { active: '正常', deactivated: '已停用' },
    errors: { network: '网络异常，请稍后重试', forbidden: '没有权限', notFound: '未找到' },
  },
  en: {
    app: { name: 'Shanhai Market', tagline: 'Guangzhou–Qingyuan consumption assistance', demoBadge: 'Demo data' },
    nav: { store: 'Market', coop: 'Cooperative console', office: 'Command office', members: 'Members', login: 'Log in', logout: 'Log out', signup: 'Join', language: '中文', account: 'My account' },
    common: {
      save: 'Save', cancel: 'Cancel', confirm: 'Confirm', edit: 'Edit', submit: 'Submit', back: 'Back', loading: 'Loading…', empty: 'Nothing here yet', actions: 'Actions', reason: 'Reason', search: 'Search', refresh: 'Refresh', yes: 'Yes', no: 'No', required: 'Required', saved: 'Saved', failed: 'Something went wrong', chooseFiles: 'Choose files', noFile: 'No file chosen',
    },
    kind: { buyer: 'Partner unit', cooperative: 'Cooperative', office: 'Command office' },
    role: { owner: 'Owner', manager: 'Manager', member: 'Member' },
    orgStatus: { pending: 'Pending review', active: 'Active', suspended: 'Suspended', rejected: 'Rejected' },
    userStatus: { active: 'Active', deactivated: 'Deactivated' },
    errors: { network: 'Network problem; try again shortly', forbidden: 'Not allowed', notFound: 'Not found' },
  },
};
