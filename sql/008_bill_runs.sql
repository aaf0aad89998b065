-- 008_bill_runs.sql — what bill runs (FEE-3; lib/billrun.h, docs/billing.md)
-- need beyond the books' schema of 007.
--
-- A run walks its project's resources in ascending id, a batch of them per
-- transaction. The batch's transaction also moves cursor_resource_id to
-- the last resource it did and adds its counts, so the record is always
-- exactly what has been committed: a run whose jobs process died (kill -9)
-- is taken up again by the jobs table and resumes after the cursor, never
-- counting a batch twice. The unique key of the bills (uk_bills_cycle)
-- is what makes a bill one per (resource, item, period) whatever happens;
-- the cursor is what makes the counts right.
ALTER TABLE bill_runs
  ADD COLUMN cursor_resource_id INT UNSIGNED NOT NULL DEFAULT 0 AFTER job_id,
  -- resources done so far and in all (the scope counted when the run started)
  ADD COLUMN resources_done INT UNSIGNED NOT NULL DEFAULT 0 AFTER cursor_resource_id,
  ADD COLUMN resources_total INT UNSIGNED NOT NULL DEFAULT 0 AFTER resources_done,
  -- what the created bills were discounted (FEE-4 schemes), the bill
  -- notices queued, what prepayment accounts paid of them at once
  ADD COLUMN discount_fen BIGINT NOT NULL DEFAULT 0 AFTER total_fen,
  ADD COLUMN notices INT UNSIGNED NOT NULL DEFAULT 0 AFTER discount_fen,
  ADD COLUMN offset_fen BIGINT NOT NULL DEFAULT 0 AFTER notices,
  -- why a failed run failed (Chinese, shown to the office)
  ADD COLUMN error VARCHAR(200) NOT NULL DEFAULT '' AFTER offset_fen,
  -- how many times a jobs process started it: 2 after one was killed
  ADD COLUMN attempts SMALLINT UNSIGNED NOT NULL DEFAULT 0 AFTER error,
  ADD COLUMN started_at DATETIME NULL AFTER created_at;

-- A run reads its project's resources in id order, a batch at a time.
ALTER TABLE resources ADD KEY ix_resources_project (project_id, id);

-- Scheduled runs (status 'scheduled', run_at) are queued as jobs by this
-- periodic job once their time has come: once per slot across hosts, and
-- each run once (its row is locked and its status changed).
INSERT INTO job_schedule (name, every_s) VALUES ('bill_runs_due', 60);
