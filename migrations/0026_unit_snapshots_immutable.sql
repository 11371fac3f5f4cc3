-- Hand-written (not generated): unit ranking snapshots (通报) are immutable once taken.
CREATE FUNCTION "unit_snapshots_immutable"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'unit snapshots are immutable (take a new one instead)';
END $$;--> statement-breakpoint
CREATE TRIGGER "unit_snapshots_immutable" BEFORE UPDATE OR DELETE ON "unit_snapshots"
  FOR EACH ROW EXECUTE FUNCTION "unit_snapshots_immutable"();
