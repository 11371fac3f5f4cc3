-- Hand-written (not generated): the ledger's append-only guard without a function call per fold.
-- The first guard compared to_jsonb(NEW) with to_jsonb(OLD) in PL/pgSQL on every row the tally
-- worker marks, which dominated the fold. The same rule as trigger WHEN conditions is evaluated in
-- the executor, and the function runs only for a row that breaks it. A column added to `sales`
-- must be added to the list below.
DROP TRIGGER "sales_append_only" ON "sales";--> statement-breakpoint
DROP FUNCTION "sales_append_only"();--> statement-breakpoint
CREATE FUNCTION "sales_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'sales ledger rows are never deleted (append a reversing row instead)';
  END IF;
  RAISE EXCEPTION 'sales ledger rows are append-only (only tallied_at may be set, once)';
END $$;--> statement-breakpoint
CREATE TRIGGER "sales_no_delete" BEFORE DELETE ON "sales" FOR EACH ROW EXECUTE FUNCTION "sales_refuse_change"();--> statement-breakpoint
CREATE TRIGGER "sales_no_truncate" BEFORE TRUNCATE ON "sales" FOR EACH STATEMENT EXECUTE FUNCTION "sales_refuse_change"();--> statement-breakpoint
CREATE TRIGGER "sales_append_only" BEFORE UPDATE ON "sales" FOR EACH ROW
  WHEN (
    OLD.tallied_at IS NOT NULL
    OR (OLD.id, OLD.source, OLD.source_ref, OLD.kind, OLD.town_id, OLD.buyer_org_id, OLD.cooperative_id,
        OLD.product_id, OLD.category, OLD.amount_fen, OLD.business_date, OLD.recorded_at)
       IS DISTINCT FROM
       (NEW.id, NEW.source, NEW.source_ref, NEW.kind, NEW.town_id, NEW.buyer_org_id, NEW.cooperative_id,
        NEW.product_id, NEW.category, NEW.amount_fen, NEW.business_date, NEW.recorded_at)
  )
  EXECUTE FUNCTION "sales_refuse_change"();
