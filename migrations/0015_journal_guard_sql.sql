-- Hand-written (not generated): the journal's guards.
-- 1. Append-only: entries and lines are never updated, deleted or truncated (a correction is a
--    reversing entry).
-- 2. Balanced: at commit, every entry touched by the transaction has at least two lines whose
--    debits equal their credits. Deferred constraint triggers, so the posting code may insert the
--    entry and then its lines; a post that skips the module (raw SQL) is refused all the same.
-- 3. The single row of money settings exists from the start.
CREATE FUNCTION "journal_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the journal is append-only (% on %): post a reversing entry instead', TG_OP, TG_TABLE_NAME;
END $$;--> statement-breakpoint
CREATE TRIGGER "journal_entries_append_only" BEFORE UPDATE OR DELETE ON "journal_entries" FOR EACH ROW EXECUTE FUNCTION "journal_refuse_change"();--> statement-breakpoint
CREATE TRIGGER "journal_entries_no_truncate" BEFORE TRUNCATE ON "journal_entries" FOR EACH STATEMENT EXECUTE FUNCTION "journal_refuse_change"();--> statement-breakpoint
CREATE TRIGGER "journal_lines_append_only" BEFORE UPDATE OR DELETE ON "journal_lines" FOR EACH ROW EXECUTE FUNCTION "journal_refuse_change"();--> statement-breakpoint
CREATE TRIGGER "journal_lines_no_truncate" BEFORE TRUNCATE ON "journal_lines" FOR EACH STATEMENT EXECUTE FUNCTION "journal_refuse_change"();--> statement-breakpoint
CREATE FUNCTION "journal_entry_balances"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  e bigint;
  n int;
  d bigint;
  c bigint;
BEGIN
  -- Each branch names only its own table's column (PL/pgSQL resolves NEW's fields when run).
  IF TG_TABLE_NAME = 'journal_entries' THEN
    e := NEW.id;
  ELSE
    e := NEW.entry_id;
  END IF;
  SELECT count(*), coalesce(sum(debit_fen), 0), coalesce(sum(credit_fen), 0) INTO n, d, c
    FROM journal_lines WHERE entry_id = e;
  IF n < 2 OR d <> c THEN
    RAISE EXCEPTION 'journal entry % does not balance: % lines, debits % fen, credits % fen', e, n, d, c
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "journal_entries_balance" AFTER INSERT ON "journal_entries"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "journal_entry_balances"();--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "journal_lines_balance" AFTER INSERT ON "journal_lines"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "journal_entry_balances"();--> statement-breakpoint
INSERT INTO "money_settings" ("id") VALUES (true) ON CONFLICT DO NOTHING;
