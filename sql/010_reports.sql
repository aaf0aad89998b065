-- 010_reports.sql — the books' reports and exports (PAY-6), the receipt
-- print template (PAY-7) and the files of export jobs (lib/reports.h,
-- lib/receipts.h; docs/api.md §6.1, §7.14, §7.15).

-- A project's receipt template (PAY-7): the title printed on its
-- receipts, the paper the print page is laid out for unless the request
-- names one, and a line printed under the signatures. No row = the
-- defaults (the project's name + 收款收据, A5, no line).
CREATE TABLE project_settings (
  project_id      INT UNSIGNED NOT NULL PRIMARY KEY,
  receipt_title   VARCHAR(64)  NOT NULL DEFAULT '',
  receipt_paper   ENUM('a5','thermal80') NOT NULL DEFAULT 'a5',
  receipt_footer  VARCHAR(200) NOT NULL DEFAULT '',
  updated_at      DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  CONSTRAINT fk_project_settings_project FOREIGN KEY (project_id) REFERENCES projects (id)
) ENGINE=InnoDB;

-- The file an export job made (a report too large to build while a
-- request waits): written with the job's end, served to whoever may see
-- the job (GET /office/jobs/{id}/file). One file per job.
CREATE TABLE report_files (
  job_id        BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  filename      VARCHAR(128) CHARACTER SET ascii NOT NULL,
  content_type  VARCHAR(100) CHARACTER SET ascii NOT NULL,
  data          LONGBLOB NOT NULL,
  created_at    DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB;

-- The reports read by day: the change log by time (audit_log had only its
-- entity key), voided receipts by the day of the void, refunds by day.
ALTER TABLE audit_log ADD KEY ix_audit_at (at);
ALTER TABLE receipts ADD KEY ix_receipts_voided (project_id, voided_at);
ALTER TABLE account_entries ADD KEY ix_account_entries_day (reason, created_at);
