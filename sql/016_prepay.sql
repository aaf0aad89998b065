-- 016_prepay.sql — bills made at the desk when a home prepays future
-- periods of a cycle fee item (FEE-4, PAY-2; lib/prepay.h, docs/billing.md).
--
-- Such a bill is a cycle bill (cycle_key 1: uk_bills_cycle keeps it one
-- per resource, item and period, so a later bill run finds it "existing"
-- and a retried prepayment cannot make a second), computed as a run
-- computes it, but made and paid by a collection: its source says so.
-- Appending a value to the ENUM changes no stored row.
ALTER TABLE bills
  MODIFY COLUMN source ENUM('run','temporary','import','repair','prepay') NOT NULL;
