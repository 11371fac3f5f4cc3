import type { NotificationKind } from './notifications';

export interface NotificationText {
  title: string;
  body: string;
}

/**
 * What each notification says, in both languages: the web's bell (through vue-i18n) and the
 * worker's emails read the same words. `{name}` placeholders are filled by `textParams` (money
 * from `…Fen`, names from `…Zh`/`…En` pairs); texts avoid vue-i18n's special characters.
 */
export const NOTIFICATION_TEXTS: Record<'zh-CN' | 'en', Record<NotificationKind, NotificationText>> = {
  'zh-CN': {
    'order.paid': {
      title: '新订单待发货',
      body: '{buyer} 的订单 {orderNo}（采购单 {ref}）已付款，金额 {total}，请尽快发货。',
    },
    'order.accepted': { title: '订单已验收', body: '{buyer} 已验收订单 {orderNo}。' },
    'order.disputed': { title: '订单有异议', body: '{buyer} 对订单 {orderNo} 反馈了问题：{note}' },
    'listing.approved': { title: '商品已上架', body: '您的商品「{product}」已通过审核并上架。' },
    'listing.rejected': { title: '商品未通过审核', body: '商品「{product}」未通过审核，原因：{reason}' },
    'settlement.issued': { title: '结算单已出具', body: '{period} 的结算单已出具，应付金额 {total}。' },
    'payout.paid': { title: '结算款已付', body: '{period} 的结算款 {amount} 已付出，银行流水号 {bankRef}。' },
    'payout.bounced': {
      title: '结算款被退回',
      body: '{period} 的结算款 {amount} 被银行退回（{reason}），金额已退回可结算余额，将在下次结算时支付。',
    },
    'invoice.requested': { title: '买方申请开票', body: '{buyer} 为订单（{ref}）申请开具发票。' },
    'purchase.approval_needed': {
      title: '采购单待审批',
      body: '{member} 提交的采购单（{ref}，{total}）超过审批额度，等待您审批。',
    },
    'purchase.approved': { title: '采购单已批准', body: '采购单（{ref}）已由 {approver} 批准，请在期限内付款。' },
    'purchase.rejected': { title: '采购单未获批准', body: '采购单（{ref}）未获 {approver} 批准。{note}' },
    'payment.confirmed': { title: '转账已确认', body: '采购单（{ref}）的转账 {amount} 已确认到账，合作社将安排发货。' },
    'order.shipped': {
      title: '订单已发货',
      body: '{cooperative} 已发出订单 {orderNo}（采购单 {ref}），承运商 {carrier}，运单号 {trackingNo}。',
    },
    'order.delivered': { title: '订单已送达', body: '{cooperative} 的订单 {orderNo}（采购单 {ref}）已送达，请验收。' },
    'order.auto_accept_soon': {
      title: '订单即将自动验收',
      body: '{cooperative} 的订单 {orderNo}（采购单 {ref}）将于 {date} 自动验收；如有问题，请在此之前反馈。',
    },
    'purchase.expiring': { title: '采购单即将过期', body: '采购单（{ref}，{total}）尚未付款，将于 {expiresAt} 过期。' },
    'purchase.expired': { title: '采购单已过期', body: '采购单（{ref}）未在期限内付款，已过期，库存已释放。' },
    'invoice.issued': { title: '发票已开具', body: '{cooperative} 已为订单（{ref}）开具发票。' },
    'reserved_share.behind': {
      title: '预留份额进度落后',
      body: '截至 {date}，贵单位 {year} 年预留份额已采购 {progress}（完成 {pct}%，预留 {reserved}），落后于序时进度 {expected}。',
    },
    'digest.buyer_monthly': { title: '月度帮扶汇总', body: '{month} 贵单位付款采购 {purchases} 笔，共 {total}。' },
    'org.review_needed': { title: '新机构待审核', body: '「{org}」提交了入驻申请，等待审核。' },
    'listing.review_needed': { title: '新商品待审核', body: '{cooperative} 提交了商品「{product}」，等待审核。' },
    'payment.to_confirm': { title: '转账待确认', body: '{buyer} 已提交采购单（{ref}）的转账 {amount}，请核对到账。' },
    'statement.unmatched': {
      title: '银行流水待匹配',
      body: '新上传的银行流水中有 {rows} 笔（共 {amount}）未能自动匹配，请人工核对。',
    },
    'offline.approval_needed': {
      title: '线下销售待审批',
      body: '{buyer} 在{town}的线下销售记录（{amount}）等待审批。',
    },
    'tally.drift': { title: '统计偏差已修正', body: '对账发现 {rows} 项统计与销售台账不符，已自动修正，请留意。' },
    'journal.drift': {
      title: '资金对账发现差异',
      body: '资金对账发现 {rows} 项余额或应付款与记账分录、订单或付款记录不符，请核查原因。',
    },
    'digest.office_weekly': {
      title: '每周进度汇总',
      body: '截至 {date}，{behind} 个镇落后于序时进度：{towns}',
    },
    'security.member_added': {
      title: '新成员已加入',
      body: '{by} 将 {member}（{email}）加入了本单位。如非本单位授权，请立即处理。',
    },
    'security.member_role_changed': {
      title: '成员角色已变更',
      body: '{by} 将 {member}（{email}）的角色由{from}改为{to}。如非本单位授权，请立即处理。',
    },
    'security.member_removed': {
      title: '成员已移除',
      body: '{by} 将{role} {member}（{email}）移出了本单位，其登录已失效。如非本单位授权，请立即处理。',
    },
    'security.payout_account_changed': {
      title: '收款账户已变更',
      body: '{by} 修改了本单位的收款账户（尾号 {accountTail}）。如非本单位操作，请立即联系指挥部。',
    },
  },
  en: {
    'order.paid': {
      title: 'New paid order to ship',
      body: 'Order {orderNo} from {buyer} (purchase {ref}) is paid ({total}). Please ship it.',
    },
    'order.accepted': { title: 'Order accepted', body: '{buyer} accepted order {orderNo}.' },
    'order.disputed': { title: 'Problem reported', body: '{buyer} reported a problem with order {orderNo}: {note}' },
    'listing.approved': {
      title: 'Listing approved',
      body: 'Your product "{product}" passed review and is now listed.',
    },
    'listing.rejected': {
      title: 'Listing rejected',
      body: 'Your product "{product}" was not approved. Reason: {reason}',
    },
    'settlement.issued': {
      title: 'Settlement statement issued',
      body: 'The statement for {period} is ready: {total}.',
    },
    'payout.paid': {
      title: 'Payout sent',
      body: 'The payout of {amount} for {period} was sent (bank reference {bankRef}).',
    },
    'payout.bounced': {
      title: 'Payout returned',
      body: 'The payout of {amount} for {period} was returned by the bank ({reason}); it is available again and goes out with the next settlement.',
    },
    'invoice.requested': { title: 'Invoice requested', body: '{buyer} asks for an invoice for order {ref}.' },
    'purchase.approval_needed': {
      title: 'Purchase awaits your approval',
      body: 'Purchase {ref} by {member} ({total}) is above the approval threshold and waits for you.',
    },
    'purchase.approved': {
      title: 'Purchase approved',
      body: '{approver} approved purchase {ref}. Please pay it in time.',
    },
    'purchase.rejected': { title: 'Purchase rejected', body: '{approver} did not approve purchase {ref}. {note}' },
    'payment.confirmed': {
      title: 'Transfer confirmed',
      body: 'Your transfer of {amount} for purchase {ref} was received. The cooperatives will ship.',
    },
    'order.shipped': {
      title: 'Order shipped',
      body: '{cooperative} shipped order {orderNo} (purchase {ref}) with {carrier}, tracking number {trackingNo}.',
    },
    'order.delivered': {
      title: 'Order delivered',
      body: 'Order {orderNo} from {cooperative} (purchase {ref}) was delivered. Please accept it.',
    },
    'order.auto_accept_soon': {
      title: 'Order will be accepted automatically',
      body: 'Order {orderNo} from {cooperative} (purchase {ref}) will be accepted automatically on {date}. Report any problem before then.',
    },
    'purchase.expiring': {
      title: 'Purchase expires soon',
      body: 'Purchase {ref} ({total}) is unpaid and expires at {expiresAt}.',
    },
    'purchase.expired': {
      title: 'Purchase expired',
      body: 'Purchase {ref} was not paid in time and has expired; its stock was released.',
    },
    'invoice.issued': { title: 'Invoice issued', body: '{cooperative} issued the invoice for order {ref}.' },
    'reserved_share.behind': {
      title: 'Reserved share behind pace',
      body: 'As of {date}, your reserved share for {year} stands at {progress} ({pct}% of {reserved}), behind the expected {expected}.',
    },
    'digest.buyer_monthly': {
      title: 'Your month of assistance',
      body: 'In {month} your unit paid for {purchases} purchases, {total} in all.',
    },
    'org.review_needed': { title: 'New organisation to review', body: '"{org}" signed up and waits for review.' },
    'listing.review_needed': {
      title: 'New listing to review',
      body: '{cooperative} submitted "{product}" for review.',
    },
    'payment.to_confirm': {
      title: 'Transfer to confirm',
      body: '{buyer} reports a transfer of {amount} for purchase {ref}. Please check the account.',
    },
    'statement.unmatched': {
      title: 'Statement rows to match',
      body: '{rows} rows of a newly uploaded bank statement ({amount} in all) matched no payment. Please match them by hand.',
    },
    'offline.approval_needed': {
      title: 'Offline sale to approve',
      body: 'An offline sale by {buyer} in {town} ({amount}) waits for approval.',
    },
    'tally.drift': {
      title: 'Tally drift repaired',
      body: 'The reconcile found {rows} tally figures that differed from the sales ledger and repaired them.',
    },
    'journal.drift': {
      title: 'Money reconcile found differences',
      body: '{rows} balances or payables differed from the journal, the orders or the payments. Please find the cause.',
    },
    'digest.office_weekly': {
      title: 'Weekly progress digest',
      body: 'As of {date}, {behind} towns are behind pace: {towns}',
    },
    'security.member_added': {
      title: 'New member added',
      body: '{by} added {member} ({email}) to your organisation. If you did not expect this, act now.',
    },
    'security.member_role_changed': {
      title: 'Member role changed',
      body: "{by} changed {member}'s ({email}) role from {from} to {to}. If you did not expect this, act now.",
    },
    'security.member_removed': {
      title: 'Member removed',
      body: '{by} removed the {role} {member} ({email}) from your organisation; their sessions have ended. If you did not expect this, act now.',
    },
    'security.payout_account_changed': {
      title: 'Payout account changed',
      body: "{by} changed your organisation's payout account (ending {accountTail}). If this was not you, call the command office now.",
    },
  },
};
