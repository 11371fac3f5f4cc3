-- Hand-written: the catalogue search cuts Chinese into words (jieba, in the application) instead of
-- indexing every bigram, and adds pinyin, initials, synonyms and typo tolerance. The words are
-- computed by @shanhai/db refreshSearchIndex, so `search` becomes a plain column written by the
-- application; NULL means "not indexed yet" and the api catches up at start-up.
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
ALTER TABLE "products" DROP COLUMN "search";--> statement-breakpoint
DROP FUNCTION IF EXISTS shanhai_cjk_grams(text);--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "search" tsvector;--> statement-breakpoint
-- What the typo fallback compares with a query (English name, pinyin of the Chinese name's words).
ALTER TABLE "products" ADD COLUMN "search_fuzzy" text;--> statement-breakpoint
CREATE INDEX "products_search_idx" ON "products" USING gin ("search") WITH (fastupdate = off) WHERE "status" = 'listed';--> statement-breakpoint
CREATE INDEX "products_search_fuzzy_idx" ON "products" USING gin ("search_fuzzy" gin_trgm_ops) WHERE "status" = 'listed';--> statement-breakpoint
-- Rows to (re)index: found by an index, not a scan, when the api catches up at start-up.
CREATE INDEX "products_search_missing_idx" ON "products" ("id") WHERE "search" IS NULL;--> statement-breakpoint
-- A change of what is indexed clears the index of the row; its writer (or the next start-up) rewrites it.
CREATE OR REPLACE FUNCTION shanhai_products_search_stale() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.search IS NOT DISTINCT FROM OLD.search THEN
    NEW.search := NULL;
    NEW.search_fuzzy := NULL;
  END IF;
  RETURN NEW;
END
$$;--> statement-breakpoint
CREATE TRIGGER products_search_stale BEFORE UPDATE OF name_zh, name_en, description, category, town_id ON products
FOR EACH ROW WHEN (OLD.name_zh IS DISTINCT FROM NEW.name_zh OR OLD.name_en IS DISTINCT FROM NEW.name_en
  OR OLD.description IS DISTINCT FROM NEW.description OR OLD.category IS DISTINCT FROM NEW.category
  OR OLD.town_id IS DISTINCT FROM NEW.town_id)
EXECUTE FUNCTION shanhai_products_search_stale();
