import { gte, lt, type SQL } from 'drizzle-orm';
import type { schema } from '@shanhai/db';
import { ruleBroken } from './problem';

/** The filters of a list route (`?status=a,b&from=&to=`). */
export interface ListFilter {
  status?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

/** `a,b` → the statuses, each checked against the column's enum (an unknown one is a 400). */
export function statuses<T extends string>(text: string, allowed: readonly T[]): T[] {
  const list = text.split(',');
  for (const x of list)
    if (!allowed.includes(x as T)) throw ruleBroken('query.status', 'one_of', { options: allowed.join(', ') });
  return list as T[];
}

/** `from`/`to` are Asia/Shanghai days, inclusive. */
export function dateRange(
  col: typeof schema.purchases.createdAt | typeof schema.orders.createdAt,
  f: ListFilter,
): SQL[] {
  const out: SQL[] = [];
  if (f.from) out.push(gte(col, new Date(`${f.from}T00:00:00+08:00`)));
  if (f.to) out.push(lt(col, new Date(new Date(`${f.to}T00:00:00+08:00`).getTime() + 86_400_000)));
  return out;
}
