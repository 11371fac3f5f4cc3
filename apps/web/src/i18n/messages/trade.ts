/** Trade pages (issue 14): sale units, English content, the cart, quick order, the cooperative's desk and paperwork. */
export default {
  'zh-CN': {
    saleUnit: {
      name: '销售单位',
      nameHint: '只填单位名称，如 瓶、箱、只',
      spec: '规格',
      specHint: '每个单位的含量，如 500 g/瓶、约 450 g/只',
      nameEn: '英文销售单位',
      specEn: '英文规格',
      descriptionEn: '英文商品描述',
      certificationsEn: '英文认证（与中文逐项对应）',
      english: '英文信息（选填，英文界面显示；不填则显示中文）',
      spec_: '规格：{spec}',
    },
    cartTrade: {
      saving: '正在保存数量…',
      saved: '数量已自动保存',
      blocked: '请先处理标红的商品行，再去结算',
      badge: '购物车中有 {n} 种商品',
    },
    content: {
      inChinese: '中文',
      inChineseTitle: '暂无英文版本，显示中文原文',
    },
  },
  en: {
    saleUnit: {
      name: 'Sale unit',
      nameHint: 'The unit alone, e.g. 瓶, 箱, 只',
      spec: 'Specification',
      specHint: 'What one unit holds, e.g. 500 g/瓶, 约 450 g/只',
      nameEn: 'English sale unit',
      specEn: 'English specification',
      descriptionEn: 'English description',
      certificationsEn: 'English certifications (in the same order)',
      english: 'English content (optional, shown in the English interface; Chinese is shown when empty)',
      spec_: 'Specification: {spec}',
    },
    cartTrade: {
      saving: 'Saving quantities…',
      saved: 'Quantities saved',
      blocked: 'Fix the lines marked in red before checking out',
      badge: '{n} products in the cart',
    },
    content: {
      inChinese: 'in Chinese',
      inChineseTitle: 'No English version yet: the Chinese original is shown',
    },
  },
};
