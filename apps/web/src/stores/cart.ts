import { ref } from 'vue';
import { defineStore } from 'pinia';
import type { CartImportResponse, CartResponse } from '@shanhai/domain';
import * as ordersApi from '@/api/orders';

/** The buyer's server-side cart. */
export const useCartStore = defineStore('cart', () => {
  const cart = ref<CartResponse | null>(null);
  const lastImport = ref<CartImportResponse['rows']>([]);

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
  async function importCsv(csv: string) {
    const r = await ordersApi.importCart(csv);
    lastImport.value = r.rows;
    cart.value = r.cart;
  }
  return { cart, lastImport, load, setLines, add, importCsv };
});
