-- Hand-written (not generated): leaderboard snapshots are immutable once taken.
CREATE FUNCTION "leaderboard_snapshots_immutable"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'leaderboard snapshots are immutable (take a new one instead)';
END $$;--> statement-breakpoint
CREATE TRIGGER "leaderboard_snapshots_immutable" BEFORE UPDATE OR DELETE ON "leaderboard_snapshots"
  FOR EACH ROW EXECUTE FUNCTION "leaderboard_snapshots_immutable"();
