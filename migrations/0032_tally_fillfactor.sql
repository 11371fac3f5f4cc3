-- Hand-written (not generated): the fold adds to existing tally rows with ON CONFLICT DO UPDATE.
-- Amount and count are in no index, so such an update can stay on its page (a HOT update, no new
-- index entries) when the page has room; full pages made every one a new row version in every
-- index. 30% of each page is kept free for that. Applies to pages written from now on.
ALTER TABLE "town_tallies" SET (fillfactor = 70);--> statement-breakpoint
ALTER TABLE "daily_town_sales" SET (fillfactor = 70);--> statement-breakpoint
ALTER TABLE "partner_tallies" SET (fillfactor = 70);--> statement-breakpoint
ALTER TABLE "partner_daily_sales" SET (fillfactor = 70);--> statement-breakpoint
ALTER TABLE "category_daily_sales" SET (fillfactor = 70);--> statement-breakpoint
ALTER TABLE "product_daily_sales" SET (fillfactor = 70);--> statement-breakpoint
ALTER TABLE "campaign_town_tallies" SET (fillfactor = 70);--> statement-breakpoint
ALTER TABLE "campaign_partner_tallies" SET (fillfactor = 70);
