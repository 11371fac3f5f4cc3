-- Generated (the column), then hand-written (the extension and the indexes). A broad word's
-- matches are ranked RANK_CAP at most, the most trusted ones (real listing, photo, stock):
-- choosing them read every match's row, e.g. 6,250 rows for 蜂蜜 among 100k products (a parallel
-- sequential scan in practice). With the trust in the GIN indexes the search takes matches tier by
-- tier (row_trust = 8, then 6, …) and stops reading rows at the cap.
ALTER TABLE "products" ADD COLUMN "row_trust" smallint GENERATED ALWAYS AS (((case when is_demo then 0 else 4 end) + (case when cardinality(photos) > 0 then 2 else 0 end) + (case when stock > 0 then 2 else 0 end))) STORED;--> statement-breakpoint
-- GIN operator classes for plain types (smallint here), so one GIN index holds trust and words.
CREATE EXTENSION IF NOT EXISTS btree_gin;--> statement-breakpoint
DROP INDEX "products_search_idx";--> statement-breakpoint
CREATE INDEX "products_search_idx" ON "products" USING gin ("row_trust", "search") WITH (fastupdate = off) WHERE "status" = 'listed';--> statement-breakpoint
DROP INDEX "products_search_fuzzy_idx";--> statement-breakpoint
CREATE INDEX "products_search_fuzzy_idx" ON "products" USING gin ("row_trust", "search_fuzzy" gin_trgm_ops) WHERE "status" = 'listed';--> statement-breakpoint
ANALYZE "products";
