import {
  CatalogResponse,
  OwnProduct,
  PhotoUploadResponse,
  ProductDetail,
  QueueCount,
  type ProductInput,
  type ProductPatch,
} from '@shanhai/domain';
import { getPage, http, request } from './http';

export interface CatalogFilter {
  q?: string;
  town?: string;
  county?: string;
  category?: string;
  cooperative?: string;
  minPrice?: number;
  maxPrice?: number;
  inStock?: boolean;
  sort?: string;
  cursor?: string;
  limit?: number;
}

export const searchProducts = (f: CatalogFilter) =>
  http.get('/products', CatalogResponse, { ...f, inStock: f.inStock ? 'true' : undefined });
export const productDetail = (id: string) => http.get(`/products/${id}`, ProductDetail);
/** One page of the cooperative's own products, newest first. */
export const myProducts = (cursor?: string) => getPage('/products/mine', OwnProduct, { cursor });
/** One page of the office's listing review queue, longest waiting first. */
export const reviewQueue = (cursor?: string, limit?: number) =>
  getPage('/products/review-queue', OwnProduct, { cursor, limit });
export const createProduct = (body: ProductInput) => http.post('/products', OwnProduct, body);
export const updateProduct = (id: string, body: ProductPatch) => http.patch(`/products/${id}`, OwnProduct, body);
export const adjustStock = (id: string, delta: number) => http.post(`/products/${id}/stock`, OwnProduct, { delta });
export const transition = (id: string, action: 'submit' | 'delist' | 'relist' | 'approve') =>
  http.post(`/products/${id}/${action}`, OwnProduct);
export const rejectListing = (id: string, reason: string) =>
  http.post(`/products/${id}/reject`, OwnProduct, { reason });
export function uploadPhoto(file: File) {
  const form = new FormData();
  form.append('file', file);
  return request('POST', '/products/photos', PhotoUploadResponse, { form });
}
/** How many products wait for review (the office home's badge), in one request. */
export const reviewQueueCount = () => http.get('/products/review-queue/count', QueueCount);
