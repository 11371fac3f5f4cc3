import { sql } from 'drizzle-orm';
import { attributionDrift, CAMPAIGN_SCOPE_SQL } from './campaigns';
import type { Db, DbOrTx } from './client';
import { TALLY_LOCK_KEY } from './tally-lock';

/** Rows per transaction: big enough for throughput, small enough to keep locks brief. */
export const TALLY_BATCH_SIZE = 5_000;

export interface FoldResult {
  /** Ledger rows folded in this batch. */
  rows: number;
  /** Towns whose figures changed. */
  townIds: string[];
}

/** `partner_tallies`' month columns, January first: the year's amount split by business month. */
export const MONTH_FEN_COLUMNS = Array.from({ length: 12 }, (_, i) => `month${String(i + 1).padStart(2, '0')}_fen`);

/** Each month column's sum over rows that carry `amount_fen` and their business month as `m`. */
const MONTH_SUMS = MONTH_FEN_COLUMNS.map((_, i) => `coalesce(sum(amount_fen) filter (where m = ${i + 1}), 0)`);

/**
 * The upsert that adds the sums of `from` to a tally keyed by `keys` (column: expression), in key
 * order (no deadlocks between folds), skipping rows without `notNull`; answers one row a key.
 */
function addSums(table: string, from: 'batch' | 'attr', keys: Record<string, string>, notNull?: string) {
  const cols = Object.keys(keys).join(', ');
  const positions = Object.keys(keys)
    .map((_, i) => i + 1)
    .join(', ');
  return sql.raw(`insert into ${table} as x (${cols}, amount_fen, row_count)
    select ${Object.values(keys).join(', ')}, sum(amount_fen), count(*)
    from ${from} ${notNull ? `where ${notNull} is not null ` : ''}group by ${positions} order by ${positions}
    on conflict (${cols}) do update set amount_fen = x.amount_fen + excluded.amount_fen,
      row_count = x.row_count + excluded.row_count
    returning 1`);
}

/** The keys of a daily tally by `key`, town and day. */
const DAILY = (key: string) => ({ [key]: key, town_id: 'town_id', day: 'business_date' });

const DEADLOCK = '40P01';
const SERIALIZATION = '40001';

/**
 * Folds one batch of untallied ledger rows into every tally, exactly once: the rows are locked
 * (SKIP LOCKED, so two workers take different rows), summed per key, added to the tallies and
 * marked tallied in ONE statement of one transaction. A crash before commit leaves them untallied;
 * after commit they are never picked again. Upserts go in key order to avoid deadlocks; a rare
 * deadlock anyway is retried.
 */
export async function foldBatch(
  db: Db,
  limit = TALLY_BATCH_SIZE,
  hooks: { beforeCommit?: (r: FoldResult) => Promise<void> } = {},
): Promise<FoldResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock_shared(${TALLY_LOCK_KEY})`);
        const res = await tx.execute<{ n: number; towns: string[] | null }>(sql`
          with batch as (
            select id, town_id, buyer_org_id, product_id, category, amount_fen, business_date, source
            from sales where tallied_at is null order by id limit ${limit} for update skip locked
          ),
          marked as (
            update sales s set tallied_at = now() from batch b where s.id = b.id returning s.id
          ),
          t as (
            insert into town_tallies as x (town_id, year, amount_fen, row_count)
            select town_id, extract(year from business_date)::int, sum(amount_fen), count(*) from batch
            group by 1, 2 order by 1, 2
            on conflict (town_id, year) do update set amount_fen = x.amount_fen + excluded.amount_fen,
              row_count = x.row_count + excluded.row_count, updated_at = now()
            returning 1
          ),
          d as (
            insert into daily_town_sales as x (town_id, day, amount_fen, order_fen, offline_fen, import_fen, row_count)
            select town_id, business_date, sum(amount_fen),
              coalesce(sum(amount_fen) filter (where source = 'order'), 0),
              coalesce(sum(amount_fen) filter (where source = 'offline'), 0),
              coalesce(sum(amount_fen) filter (where source = 'import'), 0),
              count(*)
            from batch group by 1, 2 order by 1, 2
            on conflict (town_id, day) do update set amount_fen = x.amount_fen + excluded.amount_fen,
              order_fen = x.order_fen + excluded.order_fen, offline_fen = x.offline_fen + excluded.offline_fen,
              import_fen = x.import_fen + excluded.import_fen, row_count = x.row_count + excluded.row_count
            returning 1
          ),
          p as (
            insert into partner_tallies as x (buyer_org_id, town_id, year, amount_fen, row_count, ${sql.raw(MONTH_FEN_COLUMNS.join(', '))})
            select buyer_org_id, town_id, extract(year from business_date)::int, sum(amount_fen), count(*),
              ${sql.raw(MONTH_SUMS.join(', '))}
            from (select *, extract(month from business_date)::int as m from batch where buyer_org_id is not null) b
            group by 1, 2, 3 order by 1, 2, 3
            on conflict (buyer_org_id, town_id, year) do update set amount_fen = x.amount_fen + excluded.amount_fen,
              row_count = x.row_count + excluded.row_count,
              ${sql.raw(MONTH_FEN_COLUMNS.map((c) => `${c} = x.${c} + excluded.${c}`).join(', '))}
            returning 1
          ),
          pd as (${addSums('partner_daily_sales', 'batch', DAILY('buyer_org_id'), 'buyer_org_id')}),
          c as (${addSums('category_daily_sales', 'batch', DAILY('category'))}),
          pr as (${addSums('product_daily_sales', 'batch', DAILY('product_id'), 'product_id')}),
          attr as (
            -- Campaign attribution, fixed here: the campaigns whose days and scope hold the row now.
            select s.campaign_id, b.id as sale_id, b.town_id, b.buyer_org_id, b.amount_fen
            from batch b join lateral (
              select c.id as campaign_id from campaigns c where ${sql.raw(CAMPAIGN_SCOPE_SQL('b', 'c'))}
            ) s on true
          ),
          ca as (
            insert into campaign_sales (campaign_id, sale_id) select campaign_id, sale_id from attr
            order by 1, 2 returning 1
          ),
          ct as (${addSums('campaign_town_tallies', 'attr', { campaign_id: 'campaign_id', town_id: 'town_id' })}),
          cp as (${addSums('campaign_partner_tallies', 'attr', { campaign_id: 'campaign_id', buyer_org_id: 'buyer_org_id' }, 'buyer_org_id')})
          select (select count(*) from marked)::int as n,
            (select array_agg(distinct town_id) from batch) as towns,
            (select count(*) from t) + (select count(*) from d) + (select count(*) from p) + (select count(*) from pd) + (select count(*) from c) + (select count(*) from pr)
              + (select count(*) from ca) + (select count(*) from ct) + (select count(*) from cp) as touched
        `);
        const row = res.rows[0];
        const result = { rows: row?.n ?? 0, townIds: row?.towns ?? [] };
        // Tests use this to kill a worker between folding and committing.
        await hooks.beforeCommit?.(result);
        return result;
      });
    } catch (err) {
      const code =
        (err as { code?: string; cause?: { code?: string } }).code ??
        (err as { cause?: { code?: string } }).cause?.code;
      if ((code === DEADLOCK || code === SERIALIZATION) && attempt < 5) continue;
      throw err;
    }
  }
}

/** Folds until nothing is left (or `maxBatches` ran); returns the rows folded and towns touched. */
export async function foldAll(
  db: Db,
  options: { batchSize?: number; maxBatches?: number; onBatch?: (r: FoldResult) => Promise<void> | void } = {},
): Promise<FoldResult> {
  const towns = new Set<string>();
  let rows = 0;
  for (let i = 0; i < (options.maxBatches ?? Infinity); i++) {
    const r = await foldBatch(db, options.batchSize);
    if (r.rows === 0) break;
    rows += r.rows;
    for (const t of r.townIds) towns.add(t);
    await options.onBatch?.(r);
    if (r.rows < (options.batchSize ?? TALLY_BATCH_SIZE)) break;
  }
  return { rows, townIds: [...towns] };
}

export interface DriftItem {
  table: string;
  key: string;
  expected: number;
  found: number;
}

export interface ReconcileResult {
  ledgerRows: number;
  driftRows: number;
  details: DriftItem[];
}

/** Each tally: its table, its key columns, and how the ledger computes it. */
const TALLY_DEFS = [
  {
    table: 'town_tallies',
    keys: ['town_id', 'year'],
    values: ['amount_fen', 'row_count'],
    select: `select town_id, extract(year from business_date)::int as year, sum(amount_fen)::bigint as amount_fen, count(*)::int as row_count from sales where tallied_at is not null group by 1, 2`,
  },
  {
    table: 'daily_town_sales',
    keys: ['town_id', 'day'],
    values: ['amount_fen', 'order_fen', 'offline_fen', 'import_fen', 'row_count'],
    select: `select town_id, business_date as day, sum(amount_fen)::bigint as amount_fen,
      coalesce(sum(amount_fen) filter (where source = 'order'), 0)::bigint as order_fen,
      coalesce(sum(amount_fen) filter (where source = 'offline'), 0)::bigint as offline_fen,
      coalesce(sum(amount_fen) filter (where source = 'import'), 0)::bigint as import_fen,
      count(*)::int as row_count from sales where tallied_at is not null group by 1, 2`,
  },
  {
    table: 'partner_tallies',
    keys: ['buyer_org_id', 'town_id', 'year'],
    values: ['amount_fen', 'row_count', ...MONTH_FEN_COLUMNS],
    select: `select buyer_org_id, town_id, year, sum(amount_fen)::bigint as amount_fen, count(*)::int as row_count,
      ${MONTH_SUMS.map((s, i) => `${s}::bigint as ${MONTH_FEN_COLUMNS[i]}`).join(', ')}
      from (select buyer_org_id, town_id, extract(year from business_date)::int as year,
        extract(month from business_date)::int as m, amount_fen
        from sales where tallied_at is not null and buyer_org_id is not null) l
      group by 1, 2, 3`,
  },
  {
    table: 'partner_daily_sales',
    keys: ['buyer_org_id', 'town_id', 'day'],
    values: ['amount_fen', 'row_count'],
    select: `select buyer_org_id, town_id, business_date as day, sum(amount_fen)::bigint as amount_fen, count(*)::int as row_count from sales where tallied_at is not null and buyer_org_id is not null group by 1, 2, 3`,
  },
  {
    table: 'category_daily_sales',
    keys: ['category', 'town_id', 'day'],
    values: ['amount_fen', 'row_count'],
    select: `select category, town_id, business_date as day, sum(amount_fen)::bigint as amount_fen, count(*)::int as row_count from sales where tallied_at is not null group by 1, 2, 3`,
  },
  {
    table: 'product_daily_sales',
    keys: ['product_id', 'town_id', 'day'],
    values: ['amount_fen', 'row_count'],
    select: `select product_id, town_id, business_date as day, sum(amount_fen)::bigint as amount_fen, count(*)::int as row_count from sales where tallied_at is not null and product_id is not null group by 1, 2, 3`,
  },
  {
    table: 'campaign_town_tallies',
    keys: ['campaign_id', 'town_id'],
    values: ['amount_fen', 'row_count'],
    select: `select cs.campaign_id, s.town_id, sum(s.amount_fen)::bigint as amount_fen, count(*)::int as row_count from campaign_sales cs join sales s on s.id = cs.sale_id where s.tallied_at is not null group by 1, 2`,
  },
  {
    table: 'campaign_partner_tallies',
    keys: ['campaign_id', 'buyer_org_id'],
    values: ['amount_fen', 'row_count'],
    select: `select cs.campaign_id, s.buyer_org_id, sum(s.amount_fen)::bigint as amount_fen, count(*)::int as row_count from campaign_sales cs join sales s on s.id = cs.sale_id where s.tallied_at is not null and s.buyer_org_id is not null group by 1, 2`,
  },
] as const;

/**
 * A tally's expected rows (`e`, a table or a subquery) joined to the tally (`a`) by key: `drifted`
 * (from … where …) keeps the keys whose values differ, that only one side has, or that the tally
 * holds with a non-zero sum the expected rows lack.
 */
function driftJoin(def: (typeof TALLY_DEFS)[number], expected: string) {
  const keyJoin = def.keys.map((k) => `e.${k} = a.${k}`).join(' and ');
  const differs = def.values.map((v) => `e.${v} is distinct from a.${v}`).join(' or ');
  const k = def.keys[0];
  const drifted = `from ${expected} e full outer join ${def.table} a on ${keyJoin}
    where (e.${k} is null and (a.amount_fen <> 0 or a.row_count <> 0)) or a.${k} is null
      or (e.${k} is not null and a.${k} is not null and (${differs}))`;
  return { keyJoin, drifted };
}

/** How many drifted keys a run records in detail. */
const MAX_DRIFT_DETAILS = 20;

/**
 * Recomputes every tally from the tallied ledger rows, compares, and repairs any difference,
 * in one transaction holding the tally lock exclusively (folds wait, then continue). Rows not yet
 * tallied are left to the tally job. With `repair: false` it only reports.
 */
export async function reconcileTallies(db: Db, options: { repair?: boolean } = {}): Promise<ReconcileResult> {
  const repair = options.repair ?? true;
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${TALLY_LOCK_KEY})`);
    const [{ n } = { n: 0 }] = (
      await tx.execute<{ n: number }>(sql`select count(*)::int as n from sales where tallied_at is not null`)
    ).rows;
    let driftRows = 0;
    const details: DriftItem[] = [];
    for (const def of TALLY_DEFS) {
      const tmp = `expected_${def.table}`;
      await tx.execute(sql.raw(`create temp table ${tmp} on commit drop as ${def.select}`));
      const { keyJoin, drifted } = driftJoin(def, tmp);
      const keyExpr = def.keys.map((k) => `coalesce(e.${k}, a.${k})::text`).join(` || '/' || `);
      const drift = await tx.execute<{ key: string; expected: number | null; found: number | null }>(
        sql.raw(`select ${keyExpr} as key, e.amount_fen as expected, a.amount_fen as found ${drifted}`),
      );
      driftRows += drift.rows.length;
      for (const d of drift.rows) {
        if (details.length < MAX_DRIFT_DETAILS)
          details.push({
            table: def.table,
            key: d.key,
            expected: Number(d.expected ?? 0),
            found: Number(d.found ?? 0),
          });
      }
      if (repair && drift.rows.length > 0) {
        const cols = [...def.keys, ...def.values];
        await tx.execute(
          sql.raw(`delete from ${def.table} a where not exists (select 1 from ${tmp} e where ${keyJoin})`),
        );
        await tx.execute(
          sql.raw(`insert into ${def.table} (${cols.join(', ')}) select ${cols.join(', ')} from ${tmp}
            on conflict (${def.keys.join(', ')}) do update set ${def.values.map((v) => `${v} = excluded.${v}`).join(', ')}`),
        );
      }
    }
    // Attribution: every tallied row counts for exactly the campaigns whose days and scope hold it
    // (campaigns with an edit still being re-attributed are skipped). A drifted campaign is never
    // repaired silently: repair records a re-attribution, which the worker carries out and logs.
    const attribution = await attributionDrift(tx, { record: repair });
    driftRows += attribution.length;
    for (const d of attribution) {
      if (details.length < MAX_DRIFT_DETAILS)
        details.push({ table: 'campaign_sales', key: d.key, expected: d.expected, found: d.found });
    }
    return { ledgerRows: n, driftRows, details };
  });
}

/** For tests and checks: every tally equals the sum of its (tallied) ledger rows. */
export async function tallyDrift(db: DbOrTx): Promise<number> {
  let total = 0;
  for (const def of TALLY_DEFS) {
    const r = await db.execute<{ n: number }>(
      sql.raw(`select count(*)::int as n ${driftJoin(def, `(${def.select})`).drifted}`),
    );
    total += r.rows[0]?.n ?? 0;
  }
  total += (await attributionDrift(db, { record: false })).length;
  return total;
}

/**
 * The select of a `with` part giving, per town, its sales of `year` through `through`, last year's
 * sales through `lastThrough` and last year's total, from the daily town tallies. The leaderboard
 * and the office's weekly digest both read a town's year through it, so they cannot disagree.
 */
export function townYearSales(year: number, through: string, lastThrough: string) {
  const jan1 = `${year}-01-01`;
  return sql`select town_id,
        coalesce(sum(amount_fen) filter (where day >= ${jan1}::date and day <= ${through}::date), 0)::bigint as sales,
        coalesce(sum(amount_fen) filter (where day <= ${lastThrough}::date and day < ${jan1}::date), 0)::bigint as last_to_date,
        coalesce(sum(amount_fen) filter (where day < ${jan1}::date), 0)::bigint as last_total
      from daily_town_sales where day >= ${`${year - 1}-01-01`}::date and day <= ${`${year}-12-31`}::date
      group by town_id`;
}
