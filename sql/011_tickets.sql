-- 011_tickets.sql — service tickets (TKT-1..3, TKT-5, TKT-7; lib/tickets.h,
-- docs/tickets.md) and the uploads that carry their photos (API.md,
-- lib/uploads.h).
--
-- A ticket's status moves only by the state table of lib/ticket_flow.c
-- (API.md's), one transaction per step that also writes the step's
-- ticket_events row, its audit row and its outbox notices. The ticket row
-- is the lock every step takes first (FOR UPDATE): two steps of one
-- ticket queue on it, so a ticket is never taken twice or closed while
-- being reassigned.

-- A ticket: a repair, a cleaning or security call, a complaint or a
-- suggestion, about a home (private area) or a public area of a building
-- (building_id) or of the whole project (neither).
--
-- resource_id: the home (private), or for a public-area ticket the home
-- an owner reported it from (NULL when staff reported it). reporter_kind/
-- reporter_id: the owner (a person) or the staff member (butler, guard on
-- patrol) who reported it; an owner sees the tickets they reported.
--
-- response_due_at (accepted by then) and complete_due_at (completed by
-- then) are fixed at submission from ticket_deadlines, or the defaults of
-- lib/tickets.c; the ticket_overdue job sets the overdue flags once a
-- deadline passes with the ticket still short of that step, and tells the
-- project's supervisors.
--
-- result, charge_fen and the materials are what completion recorded (the
-- cause and the action, a repair fee to raise as a bill, parts used);
-- rating_* is the owner's own rating (once), visit_* what the desk's
-- follow-up visit recorded.
CREATE TABLE tickets (
  id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  project_id        INT UNSIGNED NOT NULL,
  resource_id       INT UNSIGNED NULL,
  building_id       INT UNSIGNED NULL,
  type              ENUM('repair','cleaning','security','complaint','suggestion','other') NOT NULL,
  severity          ENUM('normal','serious','critical') NULL, -- complaints only
  area              ENUM('private','public') NOT NULL,
  description       VARCHAR(2000) NOT NULL,
  appointment_at    DATETIME NULL,
  status            ENUM('submitted','accepted','dispatched','taken','in_progress','completed',
                         'closed','visited','rejected','cancelled') NOT NULL DEFAULT 'submitted',
  assignee_id       INT UNSIGNED NULL,
  reporter_kind     ENUM('owner','staff') NOT NULL,
  reporter_id       INT UNSIGNED NOT NULL,
  result            VARCHAR(2000) NOT NULL DEFAULT '',
  charge_fen        BIGINT NULL,
  rating_score      TINYINT UNSIGNED NULL,
  rating_comment    VARCHAR(500) NULL,
  visit_score       TINYINT UNSIGNED NULL,
  visit_comment     VARCHAR(500) NULL,
  escalations       SMALLINT UNSIGNED NOT NULL DEFAULT 0,
  -- the photos' upload ids, "12,13", as the creation attached them (photos
  -- are attached then and never after): a list reads them with the row
  -- instead of a lookup per ticket; uploads.ticket_id stays what decides
  -- who may see a photo
  photos            VARCHAR(200) CHARACTER SET ascii NOT NULL DEFAULT '',
  response_due_at   DATETIME NOT NULL,
  complete_due_at   DATETIME NOT NULL,
  response_overdue  TINYINT(1) NOT NULL DEFAULT 0,
  complete_overdue  TINYINT(1) NOT NULL DEFAULT 0,
  created_at        DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  accepted_at       DATETIME NULL,
  completed_at      DATETIME NULL,
  closed_at         DATETIME NULL,
  updated_at        DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  -- the lists, each newest first (read backwards, LIMIT a page): the
  -- owner's; a project's, all or by status; an assignee's by status;
  -- several projects' by status (the primary key for all of them)
  KEY ix_tickets_reporter (reporter_kind, reporter_id, id),
  KEY ix_tickets_project_recent (project_id, id),
  KEY ix_tickets_project (project_id, status, id),
  KEY ix_tickets_assignee (assignee_id, status, id),
  KEY ix_tickets_status (status, id),
  -- the overdue job: for each open state, the tickets not yet flagged
  -- whose deadline passed (a range, whatever the number of closed ones)
  KEY ix_tickets_response_due (status, response_overdue, response_due_at),
  KEY ix_tickets_complete_due (status, complete_overdue, complete_due_at),
  CONSTRAINT fk_tickets_project FOREIGN KEY (project_id) REFERENCES projects (id),
  CONSTRAINT fk_tickets_resource FOREIGN KEY (resource_id) REFERENCES resources (id),
  CONSTRAINT fk_tickets_building FOREIGN KEY (building_id) REFERENCES buildings (id),
  CONSTRAINT ck_tickets_scores CHECK ((rating_score IS NULL OR rating_score BETWEEN 1 AND 5)
                                      AND (visit_score IS NULL OR visit_score BETWEEN 1 AND 5)),
  CONSTRAINT ck_tickets_charge CHECK (charge_fen IS NULL
                                      OR (charge_fen > 0 AND charge_fen <= 999999999999999)),
  CONSTRAINT ck_tickets_place CHECK (area = 'public' OR resource_id IS NOT NULL),
  CONSTRAINT ck_tickets_severity CHECK ((severity IS NULL) = (type <> 'complaint'))
) ENGINE=InnoDB;

-- A ticket's history after its submission (which is the ticket row
-- itself: created_at, reporter): one row per step (each action of the
-- state table, the owner's rating), newest last. from/to are the status
-- before and after (equal for escalate and rate).
CREATE TABLE ticket_events (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  ticket_id    BIGINT UNSIGNED NOT NULL,
  action       VARCHAR(16) NOT NULL,
  from_status  VARCHAR(16) NULL,
  to_status    VARCHAR(16) NOT NULL,
  by_kind      ENUM('owner','staff','system') NOT NULL,
  by_id        INT UNSIGNED NOT NULL DEFAULT 0,
  assignee_id  INT UNSIGNED NULL, -- dispatch and reassign: to whom
  note         VARCHAR(500) NOT NULL DEFAULT '',
  at           DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  KEY ix_ticket_events (ticket_id, id),
  CONSTRAINT fk_ticket_events FOREIGN KEY (ticket_id) REFERENCES tickets (id)
) ENGINE=InnoDB;

-- Materials used, as completion recorded them: free text, an integer
-- quantity and its unit, until the warehouse (WH-*) gives items ids.
CREATE TABLE ticket_materials (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  ticket_id  BIGINT UNSIGNED NOT NULL,
  name       VARCHAR(64) NOT NULL,
  quantity   INT UNSIGNED NOT NULL,
  unit       VARCHAR(16) NOT NULL,
  KEY ix_ticket_materials (ticket_id, id),
  CONSTRAINT fk_ticket_materials FOREIGN KEY (ticket_id) REFERENCES tickets (id),
  CONSTRAINT ck_ticket_materials CHECK (quantity BETWEEN 1 AND 100000)
) ENGINE=InnoDB;

-- Response and completion deadlines per project and type, in minutes from
-- submission. A type without a row has the defaults of lib/tickets.c.
CREATE TABLE ticket_deadlines (
  project_id    INT UNSIGNED NOT NULL,
  type          ENUM('repair','cleaning','security','complaint','suggestion','other') NOT NULL,
  response_min  INT UNSIGNED NOT NULL,
  complete_min  INT UNSIGNED NOT NULL,
  PRIMARY KEY (project_id, type),
  CONSTRAINT fk_ticket_deadlines FOREIGN KEY (project_id) REFERENCES projects (id),
  CONSTRAINT ck_ticket_deadlines CHECK (response_min BETWEEN 1 AND 525600
                                        AND complete_min BETWEEN response_min AND 525600)
) ENGINE=InnoDB;

-- What technicians can do (TKT-3), and which skills a type of ticket
-- needs in a project: the dispatch suggestion lists the project's
-- technicians with one of them (every technician when the type has none).
CREATE TABLE staff_skills (
  staff_id  INT UNSIGNED NOT NULL,
  skill     VARCHAR(32) NOT NULL,
  PRIMARY KEY (staff_id, skill),
  KEY ix_staff_skills (skill, staff_id),
  CONSTRAINT fk_staff_skills FOREIGN KEY (staff_id) REFERENCES staff (id)
) ENGINE=InnoDB;

CREATE TABLE ticket_type_skills (
  project_id  INT UNSIGNED NOT NULL,
  type        ENUM('repair','cleaning','security','complaint','suggestion','other') NOT NULL,
  skill       VARCHAR(32) NOT NULL,
  PRIMARY KEY (project_id, type, skill),
  CONSTRAINT fk_ticket_type_skills FOREIGN KEY (project_id) REFERENCES projects (id)
) ENGINE=InnoDB;

-- Uploaded files (API.md "Uploads"): stored under upload_dir as
-- <storage_name[0..2)>/<storage_name>, a name of 128 random bits in hex —
-- never a name the client sent. The type is what the content is (magic
-- bytes), not only what the client claimed. Visible to the uploader while
-- ticket_id is NULL; once attached, to whoever may see the ticket.
CREATE TABLE uploads (
  id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  storage_name   CHAR(32) CHARACTER SET ascii NOT NULL,
  content_type   ENUM('image/jpeg','image/png','image/webp') NOT NULL,
  size_bytes     INT UNSIGNED NOT NULL,
  sha256         BINARY(32) NOT NULL,
  uploader_kind  ENUM('owner','staff') NOT NULL,
  uploader_id    INT UNSIGNED NOT NULL,
  ticket_id      BIGINT UNSIGNED NULL,
  created_at     DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE KEY uk_uploads_storage (storage_name),
  KEY ix_uploads_uploader (uploader_kind, uploader_id, ticket_id),
  KEY ix_uploads_ticket (ticket_id, id),
  CONSTRAINT fk_uploads_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id)
) ENGINE=InnoDB;

-- The knowledge base (TKT-7): every two-character sequence (bigram) of a
-- closed ticket's description, result and materials, so that a Chinese
-- word of two characters or more is found by the bigrams it is made of
-- (MariaDB has no ngram full-text parser; docs/tickets.md). Written in the
-- close's transaction. gram is compared byte for byte (utf8mb4_bin).
CREATE TABLE ticket_kb_grams (
  gram        VARCHAR(2) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  project_id  INT UNSIGNED NOT NULL,
  ticket_id   BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (gram, project_id, ticket_id),
  KEY ix_ticket_kb_ticket (ticket_id)
) ENGINE=InnoDB;

-- The overdue flags, once a minute (lib/tickets.h ticket_overdue_run()).
INSERT INTO job_schedule (name, every_s) VALUES ('ticket_overdue', 60);
