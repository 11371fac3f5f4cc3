/**
 * What a table says when it has no rows: what is missing and what to do about it, never Element
 * Plus' bare "暂无数据". Tables shown only when they have rows (an ElEmpty beside them) need none.
 */
export default {
  'zh-CN': {
    empty: {
      bankCharges: '还没有登记银行手续费：银行扣收账户管理费、来账或退汇手续费时，点“记一笔银行手续费”按银行流水登记',
      bankUploads: '还没有上传过银行流水：在上方选择网银导出的文件，先“预览”再“确认导入”',
      bankPreview: '这个文件里没有可读的流水行：请检查是否选对了网银导出的文件',
      offlineOffice: '没有线下销售记录：合作社和采购单位登记的线下销售会列在这里等待审核',
      offlineOwn: '还没有登记线下销售：在上方填写金额、日期并上传凭证后点“登记”',
      importTotals: '没有可导入的行：请按上面列出的错误修正文件后重新预检',
      snapshots: '还没有排行榜快照：填写快照标题和“截至”日期后点“生成快照”，用于月度通报',
      declarationVersions: '本年度尚未申报：在上方填写年度食堂食材采购总额和预留比例后“提交审核”',
      unitRanking: '本年度没有预算单位：在“预算单位认定”中把采购单位认定为预算单位后会出现在这里',
      board: '所选年份和截止日期内没有计入的销售：换一个年份或日期再看',
      coopOrders: '没有该状态的订单：换一个状态筛选，或选“全部”',
      coopOrdersNone: '还没有订单：采购单位下单付款后，订单会出现在这里',
      purchases: '还没有采购单：到商品目录选购下单',
      purchasesFiltered: '没有该状态的采购单：换一个状态筛选，或到商城选购下单',
      approvals: '没有待审批的采购单：成员提交超过审批额度的采购单后会出现在这里',
      orderLines: '这个订单没有商品行',
      tiers: '这个商品还没有设置阶梯价',
      members: '本单位还没有成员：点“添加成员”',
      notificationPrefs: '没有可设置的通知',
      coopBalances: '还没有合作社产生应付款：采购单付款后各合作社的余额会列在这里',
      categoryRates: '还没有品类：在商品目录中添加品类后可在这里设置费率',
      settlementStatements: '这次结算没有对账单：结算期内没有已验收的订单',
      settlementPayouts: '这次结算没有需要付款的合作社',
      townTargets: '还没有镇：导入镇的名单后在这里设置年度目标',
    },
  },
  en: {
    empty: {
      bankCharges:
        'No bank charges recorded: when the bank takes an account fee or a transfer or returned-payment fee, press “Record a bank charge” and enter it from the bank statement',
      bankUploads: 'No bank statements uploaded yet: choose your online-banking export above, then Preview and Import',
      bankPreview: 'This file has no transaction rows we could read: check that it is the online-banking export',
      offlineOffice: 'No offline sales recorded: those recorded by cooperatives and buyers are listed here for review',
      offlineOwn: 'No offline sales recorded yet: fill in the amount and date above, attach evidence and press Record',
      importTotals: 'No rows to import: fix the errors listed above and run Preview again',
      snapshots:
        'No leaderboard snapshots yet: enter a title and an as-of date, then Take snapshot for a monthly report',
      declarationVersions:
        'Nothing declared for this year yet: fill in the canteen food procurement total and reserved ratio above and submit for review',
      unitRanking: 'No budget units this year: mark buyers as budget units under Budget units and they appear here',
      board: 'No credited sales for this year and date: choose another year or date',
      coopOrders: 'No orders with this status: choose another status, or All',
      coopOrdersNone: 'No orders yet: they appear here once a buyer has ordered and paid',
      purchases: 'No purchases yet: choose products in the catalogue to place one',
      purchasesFiltered: 'No purchases with this status: choose another status, or order from the catalogue',
      approvals: 'Nothing waits for approval: purchases by members above the approval threshold appear here',
      orderLines: 'This order has no lines',
      tiers: 'This product has no price tiers yet',
      members: 'No members yet: press Add member',
      notificationPrefs: 'No notifications to set',
      coopBalances: 'No cooperative is owed anything yet: balances appear here once purchases are paid',
      categoryRates: 'No categories yet: add categories to the catalogue to set their fees here',
      settlementStatements: 'This settlement has no statements: no order was accepted in its period',
      settlementPayouts: 'This settlement has no cooperative to pay',
      townTargets: 'No towns yet: import the town list, then set yearly targets here',
    },
  },
};
