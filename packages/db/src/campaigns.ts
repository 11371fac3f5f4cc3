import { sql } from 'drizzle-orm';
import type { Db, DbOrTx } from './client';
import { lockTalliesExclusive } from './tally-lock';

/**
 * The one rule of campaign scope, as SQL over a ledger row `s` and a campaign `c`: the row's
 * business date within the campaign's days, and each non-empty scope list holding the row. The
 * fold, the re-attribution and the reconcile all use this text, so they cannot disagree. Never
 * null (a row naming no product is simply out of a product scope), so `not (…)` is safe.
 */
export const CAMPAIGN_SCOPE_SQL = (s: string, c: string) =>
  `${s}.business_date between ${c}.starts_on and ${c}.ends_on` +
  ` and (cardinality(${c}.town_ids) = 0 or ${s}.town_id = any(${c}.town_ids))` +
  ` and (cardinality(${c}.categories) = 0 or ${s}.category = any(${c}.categories))` +
  ` and (cardinality(${c}.product_ids) = 0 or coalesce(${s}.product_id = any(${c}.product_ids), false))`;

export interface AttributionDrift {
  /** `<campaign id>/<sale id>`. */
  key: string;
  campaignId: string;
  /** 1 where the row should count for the campaign, 0 where it should not. */
  expected: number;
  found: number;
}

/** How many drifted attribution rows a check lists (the count of campaigns is what matters). */
const MAX_ATTRIBUTION_ITEMS = 1_000;

/**
 * Compares each campaign's attribution with its current days and scope, over tallied ledger rows,
 * skipping campaigns whose re-attribution is still pending. With `record`, each drifted campaign
 * gets a pending re-attribution (requested by nobody: the reconcile), never a silent fix.
 */
export async function attributionDrift(tx: DbOrTx, options: { record: boolean }): Promise<AttributionDrift[]> {
  const res = await tx.execute<{ campaign_id: string; sale_id: number; expected: number; found: number }>(sql`
    with live as (
      select c.* from campaigns c
      where not exists (select 1 from campaign_reattributions r where r.campaign_id = c.id and r.status = 'pending')
    ),
    expected as (
      select c.id as campaign_id, s.id as sale_id from sales s join live c on ${sql.raw(CAMPAIGN_SCOPE_SQL('s', 'c'))}
      where s.tallied_at is not null
    ),
    found as (
      select cs.campaign_id, cs.sale_id from campaign_sales cs join live c on c.id = cs.campaign_id
    )
    select coalesce(e.campaign_id, f.campaign_id) as campaign_id, coalesce(e.sale_id, f.sale_id) as sale_id,
      (e.sale_id is not null)::int as expected, (f.sale_id is not null)::int as found
    from expected e full outer join found f on e.campaign_id = f.campaign_id and e.sale_id = f.sale_id
    where e.sale_id is null or f.sale_id is null
    order by 1, 2 limit ${MAX_ATTRIBUTION_ITEMS}
  `);
  const items = res.rows.map((r) => ({
    key: `${r.campaign_id}/${r.sale_id}`,
    campaignId: r.campaign_id,
    expected: Number(r.expected),
    found: Number(r.found),
  }));
  if (options.record) {
    for (const campaignId of new Set(items.map((i) => i.campaignId))) {
      await tx.execute(sql`
        insert into campaign_reattributions (campaign_id, requested_by, before, after)
        select id, null, ${scopeJsonSql}, ${scopeJsonSql} from campaigns where id = ${campaignId}
      `);
    }
  }
  return items;
}

/** A campaign's days and scope as the jsonb the re-attribution records keep. */
const scopeJsonSql = sql.raw(
  `jsonb_build_object('startsOn', starts_on, 'endsOn', ends_on, 'townIds', to_jsonb(town_ids), 'categories', to_jsonb(categories), 'productIds', to_jsonb(product_ids))`,
);

export interface ReattributionResult {
  id: string;
  campaignId: string;
  addedRows: number;
  removedRows: number;
  addedFen: number;
  removedFen: number;
}

/**
 * Carries out one pending re-attribution: the campaign's attribution over tallied ledger rows is
 * brought to its current days and scope, its tallies move by exactly the rows that came in or went
 * out, and the record gets the counts, all in one transaction holding the tally lock exclusively
 * (no fold runs meanwhile; rows not yet tallied are attributed by their fold). Running it twice,
 * or for a record already done, changes nothing and returns null.
 */
export async function reattribute(db: Db, reattributionId: string): Promise<ReattributionResult | null> {
  return db.transaction(async (tx) => {
    await lockTalliesExclusive(tx);
    const [rec] = (
      await tx.execute<{ id: string; campaign_id: string }>(sql`
        select id, campaign_id from campaign_reattributions
        where id = ${reattributionId} and status = 'pending' for update`)
    ).rows;
    if (!rec) return null;
    const [moved] = (
      await tx.execute<{ added_rows: number; removed_rows: number; added_fen: string; removed_fen: string }>(sql`
        with c as (select * from campaigns where id = ${rec.campaign_id}),
        removed as (
          delete from campaign_sales cs using sales s, c
          where cs.campaign_id = c.id and s.id = cs.sale_id and not (${sql.raw(CAMPAIGN_SCOPE_SQL('s', 'c'))})
          returning s.id, s.town_id, s.buyer_org_id, s.amount_fen
        ),
        added as (
          insert into campaign_sales (campaign_id, sale_id, reattribution_id)
          select c.id, s.id, ${rec.id}::uuid from sales s, c
          where s.tallied_at is not null and ${sql.raw(CAMPAIGN_SCOPE_SQL('s', 'c'))}
            and not exists (select 1 from campaign_sales x where x.campaign_id = c.id and x.sale_id = s.id)
          order by s.id
          returning sale_id
        ),
        delta as (
          select s.town_id, s.buyer_org_id, s.amount_fen, 1 as n from added a join sales s on s.id = a.sale_id
          union all
          select town_id, buyer_org_id, -amount_fen, -1 from removed
        ),
        t as (
          insert into campaign_town_tallies as x (campaign_id, town_id, amount_fen, row_count)
          select ${rec.campaign_id}::uuid, town_id, sum(amount_fen), sum(n) from delta group by 2 order by 2
          on conflict (campaign_id, town_id) do update set amount_fen = x.amount_fen + excluded.amount_fen,
            row_count = x.row_count + excluded.row_count
          returning 1
        ),
        p as (
          insert into campaign_partner_tallies as x (campaign_id, buyer_org_id, amount_fen, row_count)
          select ${rec.campaign_id}::uuid, buyer_org_id, sum(amount_fen), sum(n) from delta
          where buyer_org_id is not null group by 2 order by 2
          on conflict (campaign_id, buyer_org_id) do update set amount_fen = x.amount_fen + excluded.amount_fen,
            row_count = x.row_count + excluded.row_count
          returning 1
        )
        select (select count(*) from added)::int as added_rows,
          (select count(*) from removed)::int as removed_rows,
          coalesce((select sum(amount_fen) from delta where n = 1), 0)::text as added_fen,
          coalesce((select -sum(amount_fen) from delta where n = -1), 0)::text as removed_fen,
          (select count(*) from t) + (select count(*) from p) as touched
      `)
    ).rows;
    const result: ReattributionResult = {
      id: rec.id,
      campaignId: rec.campaign_id,
      addedRows: Number(moved?.added_rows ?? 0),
      removedRows: Number(moved?.removed_rows ?? 0),
      addedFen: Number(moved?.added_fen ?? 0),
      removedFen: Number(moved?.removed_fen ?? 0),
    };
    // Tally rows a campaign no longer has go, so a board does not list a town at zero.
    await tx.execute(sql`delete from campaign_town_tallies where campaign_id = ${rec.campaign_id} and row_count = 0`);
    await tx.execute(
      sql`delete from campaign_partner_tallies where campaign_id = ${rec.campaign_id} and row_count = 0`,
    );
    await tx.execute(sql`
      update campaign_reattributions set status = 'done', finished_at = now(),
        added_rows = ${result.addedRows}, removed_rows = ${result.removedRows},
        added_fen = ${result.addedFen}, removed_fen = ${result.removedFen}
      where id = ${rec.id}`);
    return result;
  });
}

/** Pending re-attributions, oldest first (the sweep's work list). */
export async function pendingReattributions(db: DbOrTx): Promise<string[]> {
  const res = await db.execute<{ id: string }>(
    sql`select id from campaign_reattributions where status = 'pending' order by requested_at, id`,
  );
  return res.rows.map((r) => r.id);
}
