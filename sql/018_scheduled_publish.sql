-- 018_scheduled_publish.sql — 定时发布: a draft notice or survey that goes
-- out by itself at publish_at (NTC-1, NTC-4; docs/notices.md "Scheduled
-- publishing").
--
-- publish_at (UTC) is a draft's schedule, publish_by the member who set it
-- (the actor of the publication the schedule makes): both set together or
-- both NULL (a CHECK holds it), and both cleared when the row is published (by hand or by the
-- schedule) or when the schedule can no longer be kept (an expiry, a
-- survey's end, a scheduler who lost the right), so publish_at IS NOT NULL
-- means "a draft waiting for its time".
--
-- The periodic job scheduled_publish reads the due rows by (status,
-- publish_at): status = 'draft' AND publish_at <= now is one range of the
-- index, in the order they are published.
ALTER TABLE notices
  ADD COLUMN publish_at DATETIME NULL AFTER expires_at,
  ADD COLUMN publish_by INT UNSIGNED NULL AFTER publish_at,
  ADD KEY ix_notices_due (status, publish_at),
  ADD CONSTRAINT ck_notices_schedule CHECK ((publish_at IS NULL) = (publish_by IS NULL));

ALTER TABLE surveys
  ADD COLUMN publish_at DATETIME NULL AFTER closes_at,
  ADD COLUMN publish_by INT UNSIGNED NULL AFTER publish_at,
  ADD KEY ix_surveys_due (status, publish_at),
  ADD CONSTRAINT ck_surveys_schedule CHECK ((publish_at IS NULL) = (publish_by IS NULL));

INSERT INTO job_schedule (name, every_s) VALUES ('scheduled_publish', 60);
