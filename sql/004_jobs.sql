-- 004_jobs.sql — the jobs table (issue 6 §4, OPS-2).
--
-- job_schedule: one row per recurring job of fcgi/jobs.c — its schedule
-- and its last run. A job with every_s > 0 runs once per slot (the start
-- of each every_s window) across all hosts: a host claims a slot by
-- inserting its row in job_runs, whose unique key lets exactly one insert
-- of (name, slot) succeed. every_s = 0 is a job that runs continuously (a
-- sender): one host at a time holds its lock (GET_LOCK('wuye_job_<name>')),
-- the others wait. Each job has its own lock, so a long one never holds up
-- another (the login-code sender above all).
CREATE TABLE job_schedule (
  name              VARCHAR(64)  NOT NULL PRIMARY KEY,
  every_s           INT UNSIGNED NOT NULL,
  enabled           TINYINT(1)   NOT NULL DEFAULT 1,
  last_started_at   DATETIME     NULL,
  last_finished_at  DATETIME     NULL,
  last_status       ENUM('ok','failed') NULL,
  last_error        VARCHAR(200) NOT NULL DEFAULT '',
  last_host         VARCHAR(96)  NOT NULL DEFAULT '',
  runs              BIGINT UNSIGNED NOT NULL DEFAULT 0
) ENGINE=InnoDB;

INSERT INTO job_schedule (name, every_s) VALUES
  ('outbox_sms', 0),  -- the SMS sender, continuously
  ('work_queue', 0),  -- long work the office queued (jobs below), continuously
  ('cleanup', 3600);  -- expired sessions, codes and counters, hourly

CREATE TABLE job_runs (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name         VARCHAR(64)  NOT NULL,
  slot         DATETIME     NOT NULL,
  host         VARCHAR(96)  NOT NULL,
  started_at   DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
  finished_at  DATETIME     NULL,
  status       ENUM('running','ok','failed') NOT NULL DEFAULT 'running',
  detail       VARCHAR(200) NOT NULL DEFAULT '',
  UNIQUE KEY uk_job_runs_slot (name, slot)
) ENGINE=InnoDB;

-- Long work the office started and polls (API.md, Office): a bill run, a
-- large import. The worker that accepted it stores the input here and
-- answers 202; the work_queue job claims it (FOR UPDATE SKIP LOCKED), runs
-- it, and records progress and a heartbeat as it goes. A job whose
-- heartbeat is older than a minute (its host died) is claimed again and
-- rerun from the start — which is why such work must be idempotent.
CREATE TABLE jobs (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kind          VARCHAR(32)  NOT NULL,
  project_id    INT UNSIGNED NULL,
  created_by    INT UNSIGNED NULL,
  status        ENUM('queued','running','done','failed') NOT NULL DEFAULT 'queued',
  done          INT UNSIGNED NOT NULL DEFAULT 0,
  total         INT UNSIGNED NOT NULL DEFAULT 0,
  errors        MEDIUMTEXT   NULL, -- JSON array
  result        MEDIUMTEXT   NULL, -- JSON
  input         LONGBLOB     NULL, -- dropped when the job ends
  attempts      SMALLINT UNSIGNED NOT NULL DEFAULT 0,
  claimed_by    VARCHAR(96)  NOT NULL DEFAULT '',
  heartbeat_at  DATETIME     NULL,
  created_at    DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
  started_at    DATETIME     NULL,
  finished_at   DATETIME     NULL,
  KEY ix_jobs_status (status, id),
  KEY ix_jobs_project (project_id, id)
) ENGINE=InnoDB;
