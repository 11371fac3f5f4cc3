-- partner_tallies keeps its year month by month as well (month01_fen … month12_fen, summing to
-- amount_fen), folded in the same upsert: the unit ranking reads a unit's whole months there and
-- only the days of a month not yet over from partner_daily_sales, so its cost no longer follows the
-- days the units bought on (docs/benchmarks.md, bench:units). Generated columns, then a
-- hand-written fill from the tallied ledger rows, which the reconcile recomputes the same way.
-- The ALTERs hold partner_tallies exclusively until this migration commits, so no fold writes to
-- it between the fill's read of the ledger and its commit.
ALTER TABLE "partner_tallies" ADD COLUMN "month01_fen" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "partner_tallies" ADD COLUMN "month02_fen" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "partner_tallies" ADD COLUMN "month03_fen" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "partner_tallies" ADD COLUMN "month04_fen" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "partner_tallies" ADD COLUMN "month05_fen" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "partner_tallies" ADD COLUMN "month06_fen" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "partner_tallies" ADD COLUMN "month07_fen" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "partner_tallies" ADD COLUMN "month08_fen" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "partner_tallies" ADD COLUMN "month09_fen" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "partner_tallies" ADD COLUMN "month10_fen" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "partner_tallies" ADD COLUMN "month11_fen" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "partner_tallies" ADD COLUMN "month12_fen" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE "partner_tallies" p SET month01_fen = l.month01_fen, month02_fen = l.month02_fen, month03_fen = l.month03_fen, month04_fen = l.month04_fen, month05_fen = l.month05_fen, month06_fen = l.month06_fen, month07_fen = l.month07_fen, month08_fen = l.month08_fen, month09_fen = l.month09_fen, month10_fen = l.month10_fen, month11_fen = l.month11_fen, month12_fen = l.month12_fen
FROM (
  SELECT buyer_org_id, town_id, year,
    coalesce(sum(amount_fen) FILTER (WHERE m = 1), 0) AS month01_fen,
    coalesce(sum(amount_fen) FILTER (WHERE m = 2), 0) AS month02_fen,
    coalesce(sum(amount_fen) FILTER (WHERE m = 3), 0) AS month03_fen,
    coalesce(sum(amount_fen) FILTER (WHERE m = 4), 0) AS month04_fen,
    coalesce(sum(amount_fen) FILTER (WHERE m = 5), 0) AS month05_fen,
    coalesce(sum(amount_fen) FILTER (WHERE m = 6), 0) AS month06_fen,
    coalesce(sum(amount_fen) FILTER (WHERE m = 7), 0) AS month07_fen,
    coalesce(sum(amount_fen) FILTER (WHERE m = 8), 0) AS month08_fen,
    coalesce(sum(amount_fen) FILTER (WHERE m = 9), 0) AS month09_fen,
    coalesce(sum(amount_fen) FILTER (WHERE m = 10), 0) AS month10_fen,
    coalesce(sum(amount_fen) FILTER (WHERE m = 11), 0) AS month11_fen,
    coalesce(sum(amount_fen) FILTER (WHERE m = 12), 0) AS month12_fen
  FROM (
    SELECT buyer_org_id, town_id, extract(year FROM business_date)::int AS year,
      extract(month FROM business_date)::int AS m, amount_fen
    FROM sales WHERE tallied_at IS NOT NULL AND buyer_org_id IS NOT NULL
  ) s
  GROUP BY 1, 2, 3
) l
WHERE p.buyer_org_id = l.buyer_org_id AND p.town_id = l.town_id AND p.year = l.year;
