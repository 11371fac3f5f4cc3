-- Hand-written: full-text search of the catalogue for Chinese and English.
-- PostgreSQL has no Chinese word breaker, so Chinese text is indexed as its unigrams and bigrams
-- (蜂蜜 → 蜂 蜂蜜 蜜); a Chinese query matches when all its bigrams are present. English text goes
-- through the `english` configuration (honey/honeys). One generated tsvector, one GIN index.
CREATE OR REPLACE FUNCTION shanhai_cjk_grams(t text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
  result text := '';
  c text;
  prev text := '';
BEGIN
  FOR i IN 1..char_length(t) LOOP
    c := substr(t, i, 1);
    IF c ~ '[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]' THEN
      result := result || ' ' || c;
      IF prev <> '' THEN
        result := result || ' ' || prev || c;
      END IF;
      prev := c;
    ELSE
      prev := '';
    END IF;
  END LOOP;
  RETURN result;
END
$$;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "search" tsvector GENERATED ALWAYS AS (
  setweight(to_tsvector('simple'::regconfig, coalesce(shanhai_cjk_grams(name_zh), '')), 'A')
  || setweight(to_tsvector('english'::regconfig, coalesce(name_en, '')), 'A')
  || setweight(to_tsvector('simple'::regconfig, coalesce(shanhai_cjk_grams(description), '')), 'C')
  || setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'D')
) STORED;--> statement-breakpoint
-- fastupdate off: the catalogue is written rarely and read often, so new rows go straight into the
-- index instead of a pending list that every search would scan until the next vacuum.
CREATE INDEX "products_search_idx" ON "products" USING gin ("search") WITH (fastupdate = off) WHERE "status" = 'listed';
--> statement-breakpoint
-- products.coop_active mirrors "the cooperative is active" so that the public catalogue filters on
-- products alone (its GIN and b-tree indexes drive every query, no join decides what is on sale).
CREATE OR REPLACE FUNCTION shanhai_products_coop_active() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.coop_active := coalesce((SELECT o.status = 'active' FROM orgs o WHERE o.id = NEW.cooperative_id), false);
  RETURN NEW;
END
$$;--> statement-breakpoint
CREATE TRIGGER products_coop_active BEFORE INSERT OR UPDATE OF cooperative_id, coop_active ON products
FOR EACH ROW EXECUTE FUNCTION shanhai_products_coop_active();--> statement-breakpoint
CREATE OR REPLACE FUNCTION shanhai_orgs_status_to_products() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE products SET coop_active = (NEW.status = 'active') WHERE cooperative_id = NEW.id;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER orgs_status_to_products AFTER UPDATE OF status ON orgs
FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION shanhai_orgs_status_to_products();--> statement-breakpoint
UPDATE products p SET coop_active = (o.status = 'active') FROM orgs o WHERE o.id = p.cooperative_id;
