-- 013_notices.sql — announcements with read status (NTC-1) and satisfaction
-- surveys with aggregated results (NTC-4); lib/notices.h, lib/surveys.h,
-- docs/notices.md.
--
-- The audience of an announcement or a survey is a project, or chosen
-- buildings of it (building_ids "3,5", ascending; '' = the whole project):
-- the people who live there NOW (a current person_resources link, PR_CURRENT
-- of lib/resources.h) — decided when an owner reads, so a move-in sees what
-- is still published and a move-out stops seeing it, with nothing to
-- rewrite. A home without a building (a parking space) is in the audience
-- of the whole project only.
--
-- A row changes state only as draft → published → withdrawn (a notice) or
-- draft → published → closed (a survey), each step one transaction with
-- its audit row and, on publishing, the WeChat messages of the audience
-- (outbox, de-duplicated per subject and person). Only a draft is edited.

-- An announcement. list_seq orders the owners' list (pinned first, then the
-- newest published): set at publishing from the largest so far + 1 (its
-- unique index serialises two publishes), and the list's cursor is
-- pinned × 10^13 + list_seq, decreasing down the list.
CREATE TABLE notices (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  project_id    INT UNSIGNED NOT NULL,
  building_ids  VARCHAR(600) CHARACTER SET ascii NOT NULL DEFAULT '',
  title         VARCHAR(100) NOT NULL,
  body          TEXT NOT NULL,
  category      ENUM('notice','outage','activity','other') NOT NULL,
  pinned        TINYINT(1) NOT NULL DEFAULT 0,
  expires_at    DATETIME NULL, -- UTC; not shown to owners from then on
  status        ENUM('draft','published','withdrawn') NOT NULL DEFAULT 'draft',
  list_seq      BIGINT UNSIGNED NULL,
  created_by    INT UNSIGNED NOT NULL,
  created_at    DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at    DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  published_at  DATETIME NULL,
  withdrawn_at  DATETIME NULL,
  UNIQUE KEY uk_notices_seq (list_seq),
  KEY ix_notices_project (project_id, status, id)
) ENGINE=InnoDB;

-- Who has read what: one row per (notice, person), the first read kept.
-- An owner's own receipt, not an office change: no audit row (docs/notices.md).
CREATE TABLE notice_reads (
  notice_id  BIGINT UNSIGNED NOT NULL,
  person_id  INT UNSIGNED NOT NULL,
  read_at    DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (notice_id, person_id)
) ENGINE=InnoDB;

-- A survey, open to answers while published and opens_at <= now < closes_at.
CREATE TABLE surveys (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  project_id    INT UNSIGNED NOT NULL,
  building_ids  VARCHAR(600) CHARACTER SET ascii NOT NULL DEFAULT '',
  title         VARCHAR(100) NOT NULL,
  description   VARCHAR(1000) NOT NULL DEFAULT '',
  opens_at      DATETIME NOT NULL, -- UTC
  closes_at     DATETIME NOT NULL,
  status        ENUM('draft','published','closed') NOT NULL DEFAULT 'draft',
  created_by    INT UNSIGNED NOT NULL,
  created_at    DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at    DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  published_at  DATETIME NULL,
  closed_at     DATETIME NULL,
  KEY ix_surveys_project (project_id, status, id)
) ENGINE=InnoDB;

-- Its questions, numbered from 1; options a JSON array of strings (choice
-- questions only, else []). Fixed once the survey is made.
CREATE TABLE survey_questions (
  survey_id  BIGINT UNSIGNED NOT NULL,
  no         SMALLINT UNSIGNED NOT NULL,
  kind       ENUM('single','multiple','score','text') NOT NULL,
  title      VARCHAR(200) NOT NULL,
  required   TINYINT(1) NOT NULL DEFAULT 1,
  options    TEXT NOT NULL,
  PRIMARY KEY (survey_id, no)
) ENGINE=InnoDB;

-- One response per person per survey (the unique key is the rule), from
-- the home they answered for.
CREATE TABLE survey_responses (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  survey_id    BIGINT UNSIGNED NOT NULL,
  person_id    INT UNSIGNED NOT NULL,
  created_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE KEY uk_survey_person (survey_id, person_id)
) ENGINE=InnoDB;

-- The answers: a row per chosen option (choice, 1-based), per score
-- (score, 1..5) or per text (text), so the results are GROUP BYs.
CREATE TABLE survey_answers (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  response_id  BIGINT UNSIGNED NOT NULL,
  survey_id    BIGINT UNSIGNED NOT NULL,
  question_no  SMALLINT UNSIGNED NOT NULL,
  choice       SMALLINT UNSIGNED NULL,
  score        TINYINT UNSIGNED NULL,
  text         VARCHAR(500) NULL,
  KEY ix_answers_survey (survey_id, question_no, id),
  KEY ix_answers_response (response_id)
) ENGINE=InnoDB;

-- A WeChat subscribe message's template id is 43 characters (SMS template
-- ids, the column's first users, are digits): room for both.
ALTER TABLE outbox MODIFY template VARCHAR(64) NOT NULL;
