/** Catalogue: storefront, product page, cooperative listings, office listing review. */
export default {
  'zh-CN': {
    category: { honey: '蜂蜜', fruit: '水果', poultry: '禽类', herbs: '药材', grain_oil: '粮油', tea: '茶叶', prepared_food: '预制菜', crafts: '手工艺品', other: '其他' },
    listingStatus: { draft: '草稿', pending_review: '待审核', listed: '已上架', rejected: '已驳回', delisted: '已下架' },
    catalog: {
      title: '商品目录', search: '搜索商品，如 蜂蜜 / honey', allTowns: '全部镇街', allCounties: '全部县（市、区）', allCategories: '全部品类',
      minPrice: '最低价（元）', maxPrice: '最高价（元）', inStock: '仅看有货', sort: '排序',
      sorts: { relevance: '相关度', price_asc: '价格从低到高', price_desc: '价格从高到低', newest: '最新上架' },
      more: '加载更多', empty: '没有符合条件的商品', from: '起订 {moq}{unit}', perUnit: '/{unit}', stock: '库存 {n}', outOfStock: '暂时缺货',
      categories: '品类', categoryLabel: '品类', featured: '精选好物', viewAll: '查看全部', townProducts: '看看本镇商品', facetsCapped: '（至少）',
    },
    product: {
      tiers: '阶梯价', minQty: '起购数量', unitPrice: '单价', quantity: '采购数量', lineTotal: '小计', moq: '起订量', step: '递增', leadTime: '发货周期', days: '{n} 天',
      certs: '认证', origin: '产地', cooperative: '供应合作社', stock: '库存', belowMoq: '不少于起订量 {moq}', offStep: '超出起订量部分须按 {step} 递增', notFound: '商品不存在或已下架',
    },
    listings: {
      title: '我的商品', create: '新建商品', edit: '编辑', submit: '提交审核', delist: '下架', relist: '重新上架', stock: '调整库存', stockDelta: '增减数量（负数为减少）',
      nameZh: '中文名称', nameEn: '英文名称', description: '商品描述', unitLabel: '销售单位（如 5 kg 箱）', moq: '起订量', orderStep: '递增数量', leadTime: '发货周期（天）',
      certifications: '认证（逗号分隔）', photos: '商品图片（最多 8 张）', addTier: '添加阶梯', tierMin: '起购数量', tierPrice: '单价（元）', rejected: '驳回原因：{reason}',
      pendingEdit: '修改待审核，审核通过前仍按原信息销售', save: '保存', empty: '还没有商品，先新建一个吧', status: '状态',
    },
    review: { title: '待审核商品', approve: '通过', reject: '驳回', rejectPrompt: '请填写驳回原因', edit: '修改待审', newListing: '新上架', empty: '暂无待审核商品' },
  },
  en: {
    category: { honey: 'Honey', fruit: 'Fruit', poultry: 'Poultry', herbs: 'Herbs', grain_oil: 'Grain & oil', tea: 'Tea', prepared_food: 'Prepared food', crafts: 'Crafts', other: 'Other' },
    listingStatus: { draft: 'Draft', pending_review: 'Pending review', listed: 'Listed', rejected: 'Rejected', delisted: 'Delisted' },
    catalog: {
      title: 'Catalogue', search: 'Search, e.g. 蜂蜜 / honey', allTowns: 'All towns', allCounties: 'All counties', allCategories: 'All categories',
      minPrice: 'Min price (¥)', maxPrice: 'Max price (¥)', inStock: 'In stock only', sort: 'Sort',
      sorts: { relevance: 'Relevance', price_asc: 'Price: low to high', price_desc: 'Price: high to low', newest: 'Newest' },
      more: 'Load more', empty: 'No products match', from: 'MOQ {moq} {unit}', perUnit: '/{unit}', stock: 'Stock {n}', outOfStock: 'Out of stock',
      categories: 'Categories', categoryLabel: 'Category', featured: 'Featured', viewAll: 'View all', townProducts: 'Products of this town', facetsCapped: '(at least)',
    },
    product: {
      tiers: 'Price tiers', minQty: 'From quantity', unitPrice: 'Unit price', quantity: 'Quantity', lineTotal: 'Line total', moq: 'MOQ', step: 'Step', leadTime: 'Lead time', days: '{n} days',
      certs: 'Certifications', origin: 'Origin', cooperative: 'Cooperative', stock: 'Stock', belowMoq: 'At least the MOQ of {moq}', offStep: 'Above the MOQ, in steps of {step}', notFound: 'This product is not available',
    },
    listings: {
      title: 'My listings', create: 'New product', edit: 'Edit', submit: 'Submit for review', delist: 'Delist', relist: 'Relist', stock: 'Adjust stock', stockDelta: 'Change (negative to reduce)',
      nameZh: 'Chinese name', nameEn: 'English name', description: 'Description', unitLabel: 'Sale unit (e.g. 5 kg box)', moq: 'MOQ', orderStep: 'Order step', leadTime: 'Lead time (days)',
      certifications: 'Certifications (comma-separated)', photos: 'Photos (up to 8)', addTier: 'Add tier', tierMin: 'From qty', tierPrice: 'Unit price (¥)', rejected: 'Rejected: {reason}',
      pendingEdit: 'Edit under review; the approved version stays on sale', save: 'Save', empty: 'No products yet; create one', status: 'Status',
    },
    review: { title: 'Listings awaiting review', approve: 'Approve', reject: 'Reject', rejectPrompt: 'Reason for rejecting', edit: 'Edit under review', newListing: 'New listing', empty: 'Nothing to review' },
  },
};
