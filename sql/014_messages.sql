-- 014_messages.sql — reliable messages to owners (NTC-2, NTC-3, OPS-2;
-- lib/outbox.h, lib/reminders.h, docs/messages.md).
--
-- The outbox learns whose message a row is and what became of it:
--   project_id   the project that caused it (a bill notice, a ticket's notice,
--                an arrears reminder); NULL for a login code, which belongs to
--                no project and which no office sees;
--   kind         the cause's name, the dedup key up to its first ':'
--                (sms_code, bill_notice, ticket…, arrears): the office filters
--                on it without every queuer having to say it twice;
--   report_*     the delivery receipt Tencent Cloud's PullSmsSendStatus gave
--                for the row's SerialNo (provider_ref): SUCCESS or FAIL, the
--                operator's description (DELIVRD, UNDELIV…), and when the phone
--                received it.
-- Indexes: the office's list (a project's rows, newest first), the status
-- job's lookup by SerialNo, and the per-phone limit's count of what a phone
-- got in the last day.
ALTER TABLE outbox
  ADD COLUMN project_id INT UNSIGNED NULL AFTER id,
  ADD COLUMN kind VARCHAR(32) AS (SUBSTRING_INDEX(dedup_key, ':', 1)) PERSISTENT AFTER channel,
  ADD COLUMN report_status ENUM('SUCCESS','FAIL') NULL,
  ADD COLUMN report_description VARCHAR(100) NOT NULL DEFAULT '',
  ADD COLUMN user_receive_time DATETIME NULL,
  ADD INDEX ix_outbox_project (project_id, id),
  ADD INDEX ix_outbox_provider_ref (provider_ref),
  ADD INDEX ix_outbox_recipient (recipient, sent_at);

-- A project may turn the monthly arrears reminders off (on by default).
ALTER TABLE projects ADD COLUMN arrears_reminders TINYINT(1) NOT NULL DEFAULT 1;

-- The months whose arrears reminders were queued in full: the job checks
-- every hour from the configured day on, and scans the company once a month.
-- A run that dies half-way leaves no row; the next one scans again and the
-- dedup keys (arrears:YYYY-MM:<person>) keep it from sending twice.
CREATE TABLE arrears_months (
  month        CHAR(7)      NOT NULL PRIMARY KEY, -- 'YYYY-MM', China time
  queued       INT UNSIGNED NOT NULL,
  finished_at  DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB;

-- The senders per channel (the old outbox_sms now sends SMS only) and the
-- periodic jobs of this issue.
INSERT INTO job_schedule (name, every_s) VALUES
  ('outbox_wechat', 0),         -- the WeChat subscribe-message sender, continuously
  ('sms_status', 60),           -- delivery receipts pulled from Tencent Cloud
  ('arrears_reminders', 3600);  -- monthly, from the configured day on
