-- Generated. The audit log reads newest first by event time (the demo seed writes rows dated earlier
-- than their id order), with the id as the tiebreak, and pages by (at, id): this
-- index serves that walk and every filter the old (at) index served.
DROP INDEX "audit_log_at_index";--> statement-breakpoint
CREATE INDEX "audit_log_at_id_index" ON "audit_log" USING btree ("at","id");