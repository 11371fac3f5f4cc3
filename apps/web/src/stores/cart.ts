import { ref } from 'vue';
import { defineStore } from 'pinia';
import type { CartImportResponse, CartResponse, OrderLine } from '@shanhai/domain';
import * as ordersApi from '@/api/orders';

interface BoughtAgain {
  ref: string;
  lines: Pick<OrderLine, 'code' | 'nameZh' | 'nameEn'>[];
}

/** The buyer's server-side cart. */
export const useCartStore = defineStore('cart', () => {
  const cart = ref<CartResponse | null>(null);
  const lastImport = ref<CartImportResponse['rows']>([]);
  /**
   * The purchase the last import bought again: its reference and its lines, row by row (row 1 is
   * `lines[0]`), so a line no longer for sale is named; null for a pasted list.
   */
  const lastImportFrom = ref<BoughtAgain | null>(null);

  async function load() {
    cart.value = await ordersApi.getCart();
  }
  async function setLines(lines: { productId: string; qty: number }[]) {
    cart.value = await ordersApi.putCart(lines);
  }
  /** Adds `qty` to a product's line (or starts one). */
  async function add(productId: string, qty: number) {
    const current = cart.value ?? (await ordersApi.getCart());
    const lines = current.lines.map((l) => ({ productId: l.productId, qty: l.qty }));
    const line = lines.find((l) => l.productId === productId);
    if (line) line.qty += qty;
    else lines.push({ productId, qty });
    await setLines(lines);
  }
  async function importCsv(csv: string, from: BoughtAgain | null = null) {
    const r = await ordersApi.importCart(csv);
    lastImport.value = r.rows;
    lastImportFrom.value = from;
    cart.value = r.cart;
    return r.rows;
  }
  /**
   * Buy again (再来一单): a past purchase's lines go into the cart at today's prices, through the
   * quick order, so each line is checked as a typed one would be (listed, MOQ and step, stock,
   * the same sale unit: a unit changed since would change what the quantity means).
   */
  function buyAgain(purchase: { remittanceRef: string; orders: { lines: OrderLine[] }[] }) {
    const lines = purchase.orders.flatMap((o) => o.lines);
    // The unit in CSV quotes: a cooperative's unit name may hold a comma or a semicolon.
    const rows = lines.map((l) => `${l.code},${l.qty},"${l.unitLabel.replaceAll('"', '""')}"`);
    return importCsv(rows.join('\n'), { ref: purchase.remittanceRef, lines });
  }
  return { cart, lastImport, lastImportFrom, load, setLines, add, importCsv, buyAgain };
});
