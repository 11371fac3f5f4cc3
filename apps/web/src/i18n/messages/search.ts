/** The header's search box and the catalogue's search feedback. */
export default {
  'zh-CN': {
    search: {
      label: '搜索商品、镇、合作社',
      placeholder: '搜商品、镇、合作社，如 大坪蜂蜜 / fengmi',
      go: '搜索',
      all: '搜索“{q}”的全部商品',
      kinds: { product: '商品', town: '镇', cooperative: '合作社', category: '品类' },
      fuzzy: '没有完全符合“{q}”的商品，以下是相近的结果。',
      didYouMean: '您是不是要找：',
      emptyTitle: '没有找到符合条件的商品',
      emptyHint: '换个说法试试，或看看这些品类：',
      clearFilters: '清除筛选条件',
      searchAll: '在全部品类中搜索',
      priceOrder: '最低价不能高于最高价，请调整价格区间。',
      cooperativeFilter: '合作社：{name}',
    },
  },
  en: {
    search: {
      label: 'Search products, towns, cooperatives',
      placeholder: 'Search products, towns, cooperatives, e.g. honey',
      go: 'Search',
      all: 'All products for “{q}”',
      kinds: { product: 'Product', town: 'Town', cooperative: 'Cooperative', category: 'Category' },
      fuzzy: 'Nothing matches “{q}” exactly; these are the closest products.',
      didYouMean: 'Did you mean:',
      emptyTitle: 'No products match',
      emptyHint: 'Try other words, or browse these categories:',
      clearFilters: 'Clear filters',
      searchAll: 'Search all categories',
      priceOrder: 'The minimum price cannot be above the maximum price; adjust the price range.',
      cooperativeFilter: 'Cooperative: {name}',
    },
  },
};
