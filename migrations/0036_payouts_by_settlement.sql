-- Generated. A settlement's payouts were read by settlement_id with no index on it: its payouts
-- page (GET /settlements/{id}/payouts, in seq order), the bank file's pending batches, voiding,
-- and the two payout counts of every row of GET /settlements each scanned the whole table
-- (300 settlements of 300 payouts: a payouts page 1,969 → 72 buffers, a settlements page of 20
-- 52,233 → 8,458 buffers and 1,224 → 76 ms with this index).
CREATE INDEX "payouts_settlement_id_seq_index" ON "payouts" USING btree ("settlement_id","seq");