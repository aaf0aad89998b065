-- 001_core.sql — the estate (projects, buildings, units, resources), people,
-- staff, sessions, login codes, rate-limit events, the outbox and the audit log.
-- Conventions: InnoDB, utf8mb4; timestamps are UTC DATETIME; money in fen
-- (BIGINT); areas in m² × 100 (area_m2x100).

CREATE TABLE business_types (
  id          INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code        VARCHAR(32)  NOT NULL,
  name        VARCHAR(64)  NOT NULL,
  builtin     TINYINT(1)   NOT NULL DEFAULT 0,
  UNIQUE KEY uk_business_types_code (code)
) ENGINE=InnoDB;

INSERT INTO business_types (code, name, builtin) VALUES
  ('residential', '住宅', 1), ('shop', '商铺', 1), ('office', '写字楼', 1), ('park', '园区', 1);

CREATE TABLE projects (
  id          INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code        VARCHAR(32)  NOT NULL,
  name        VARCHAR(100) NOT NULL,
  address     VARCHAR(200) NOT NULL DEFAULT '',
  created_at  DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at  DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  UNIQUE KEY uk_projects_code (code),
  UNIQUE KEY uk_projects_name (name)
) ENGINE=InnoDB;

CREATE TABLE project_business_types (
  project_id        INT UNSIGNED NOT NULL,
  business_type_id  INT UNSIGNED NOT NULL,
  PRIMARY KEY (project_id, business_type_id),
  CONSTRAINT fk_pbt_project FOREIGN KEY (project_id) REFERENCES projects (id),
  CONSTRAINT fk_pbt_type FOREIGN KEY (business_type_id) REFERENCES business_types (id)
) ENGINE=InnoDB;

CREATE TABLE buildings (
  id          INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  project_id  INT UNSIGNED NOT NULL,
  name        VARCHAR(64)  NOT NULL,
  floors      SMALLINT UNSIGNED NOT NULL DEFAULT 0,
  business_type_id INT UNSIGNED NULL,
  created_at  DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE KEY uk_buildings_name (project_id, name),
  CONSTRAINT fk_buildings_project FOREIGN KEY (project_id) REFERENCES projects (id),
  CONSTRAINT fk_buildings_type FOREIGN KEY (business_type_id) REFERENCES business_types (id)
) ENGINE=InnoDB;

CREATE TABLE units (
  id          INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  building_id INT UNSIGNED NOT NULL,
  name        VARCHAR(64)  NOT NULL,
  UNIQUE KEY uk_units_name (building_id, name),
  CONSTRAINT fk_units_building FOREIGN KEY (building_id) REFERENCES buildings (id)
) ENGINE=InnoDB;

-- A resource is anything the company bills: a home, a shop, an office, a
-- parking space. `code` is its natural key inside the project (building-
-- unit-number for homes, e.g. "1-1-101"); imports match on it.
CREATE TABLE resources (
  id                 INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  project_id         INT UNSIGNED NOT NULL,
  building_id        INT UNSIGNED NULL,
  unit_id            INT UNSIGNED NULL,
  code               VARCHAR(64)  NOT NULL,
  number             VARCHAR(32)  NOT NULL,
  kind               ENUM('home','shop','office','parking','other') NOT NULL,
  floor              SMALLINT     NULL,
  area_m2x100        INT UNSIGNED NOT NULL DEFAULT 0,
  inner_area_m2x100  INT UNSIGNED NOT NULL DEFAULT 0,
  layout             VARCHAR(32)  NOT NULL DEFAULT '',
  decoration         VARCHAR(32)  NOT NULL DEFAULT '',
  lease_status       ENUM('','vacant','leased','self_used') NOT NULL DEFAULT '',
  business_scope     VARCHAR(200) NOT NULL DEFAULT '',
  tenant_company     VARCHAR(100) NOT NULL DEFAULT '',
  created_at         DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at         DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  UNIQUE KEY uk_resources_code (project_id, code),
  KEY ix_resources_building (building_id, unit_id, number),
  CONSTRAINT fk_resources_project FOREIGN KEY (project_id) REFERENCES projects (id),
  CONSTRAINT fk_resources_building FOREIGN KEY (building_id) REFERENCES buildings (id),
  CONSTRAINT fk_resources_unit FOREIGN KEY (unit_id) REFERENCES units (id)
) ENGINE=InnoDB;

-- Owners, household members and tenants. The phone is the one the office
-- reserved: it is how a person proves who they are (SMS or WeChat's phone
-- number), so it is unique. ID numbers are stored masked only.
CREATE TABLE persons (
  id               INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name             VARCHAR(64)  NOT NULL,
  phone            CHAR(11)     NOT NULL,
  id_number_masked VARCHAR(32)  NOT NULL DEFAULT '',
  occupation       VARCHAR(64)  NOT NULL DEFAULT '',
  openid           VARCHAR(64)  NULL,
  created_at       DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at       DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  UNIQUE KEY uk_persons_phone (phone),
  UNIQUE KEY uk_persons_openid (openid)
) ENGINE=InnoDB;

-- Who lives in / owns / rents what, and since when. A move-out ends the
-- link (moved_out_on) instead of deleting it: the rows are the history.
CREATE TABLE person_resources (
  id            INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  person_id     INT UNSIGNED NOT NULL,
  resource_id   INT UNSIGNED NOT NULL,
  relation      ENUM('owner','family','tenant') NOT NULL,
  moved_in_on   DATE         NULL,
  moved_out_on  DATE         NULL,
  active        TINYINT(1) AS (moved_out_on IS NULL) PERSISTENT,
  created_at    DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
  KEY ix_pr_person (person_id, active, resource_id),
  KEY ix_pr_resource (resource_id, active),
  CONSTRAINT fk_pr_person FOREIGN KEY (person_id) REFERENCES persons (id),
  CONSTRAINT fk_pr_resource FOREIGN KEY (resource_id) REFERENCES resources (id)
) ENGINE=InnoDB;

-- Custom fields (RES-4): defined per project for persons or resources.
CREATE TABLE custom_fields (
  id          INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  project_id  INT UNSIGNED NOT NULL,
  target      ENUM('person','resource') NOT NULL,
  field_key   VARCHAR(32)  NOT NULL,
  label       VARCHAR(64)  NOT NULL,
  type        ENUM('text','number','date','choice') NOT NULL,
  choices     VARCHAR(1000) NOT NULL DEFAULT '',
  sort        SMALLINT     NOT NULL DEFAULT 0,
  UNIQUE KEY uk_cf_key (project_id, target, field_key),
  CONSTRAINT fk_cf_project FOREIGN KEY (project_id) REFERENCES projects (id)
) ENGINE=InnoDB;

CREATE TABLE custom_values (
  field_id    INT UNSIGNED NOT NULL,
  target_id   INT UNSIGNED NOT NULL,
  value       VARCHAR(500) NOT NULL,
  PRIMARY KEY (field_id, target_id),
  CONSTRAINT fk_cv_field FOREIGN KEY (field_id) REFERENCES custom_fields (id)
) ENGINE=InnoDB;

CREATE TABLE staff (
  id             INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name           VARCHAR(64)  NOT NULL,
  phone          CHAR(11)     NOT NULL,
  password_hash  VARCHAR(255) NOT NULL DEFAULT '',
  roles          SET('butler','supervisor','manager','technician','guard','cashier',
                     'warehouse','legal','admin') NOT NULL,
  active         TINYINT(1)   NOT NULL DEFAULT 1,
  created_at     DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE KEY uk_staff_phone (phone)
) ENGINE=InnoDB;

CREATE TABLE staff_projects (
  staff_id    INT UNSIGNED NOT NULL,
  project_id  INT UNSIGNED NOT NULL,
  PRIMARY KEY (staff_id, project_id),
  CONSTRAINT fk_sp_staff FOREIGN KEY (staff_id) REFERENCES staff (id),
  CONSTRAINT fk_sp_project FOREIGN KEY (project_id) REFERENCES projects (id)
) ENGINE=InnoDB;

-- Sessions: only the SHA-256 of the token is stored, so a copy of the
-- table does not let anyone log in.
CREATE TABLE sessions (
  token_hash    BINARY(32)   NOT NULL PRIMARY KEY,
  subject_kind  ENUM('owner','staff') NOT NULL,
  subject_id    INT UNSIGNED NOT NULL,
  created_at    DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
  expires_at    DATETIME     NOT NULL,
  revoked_at    DATETIME     NULL,
  client_ip     VARCHAR(45)  NOT NULL DEFAULT '',
  KEY ix_sessions_subject (subject_kind, subject_id)
) ENGINE=InnoDB;

-- Every code request, sent or not (an unregistered phone gets no SMS but
-- still counts against the limits). The code itself is stored hashed.
CREATE TABLE sms_codes (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  phone       CHAR(11)     NOT NULL,
  purpose     ENUM('owner_login','staff_login') NOT NULL,
  code_hash   BINARY(32)   NULL,
  client_ip   VARCHAR(45)  NOT NULL,
  created_at  DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
  expires_at  DATETIME     NOT NULL,
  attempts    TINYINT UNSIGNED NOT NULL DEFAULT 0,
  used_at     DATETIME     NULL,
  KEY ix_sms_codes_phone (phone, created_at),
  KEY ix_sms_codes_ip (client_ip, created_at)
) ENGINE=InnoDB;

-- Failed password logins, for lockout (per phone and per address).
CREATE TABLE login_failures (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  scope       ENUM('phone','ip') NOT NULL,
  subject     VARCHAR(45)  NOT NULL,
  created_at  DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
  KEY ix_login_failures (scope, subject, created_at)
) ENGINE=InnoDB;

-- Durable outbox: rows are written in the same transaction as the change
-- that causes them; the sender delivers them with retries. dedup_key makes
-- a second write of the same message a no-op.
CREATE TABLE outbox (
  id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  channel          ENUM('sms','wechat') NOT NULL,
  dedup_key        VARCHAR(100) NOT NULL,
  recipient        VARCHAR(64)  NOT NULL,
  template         VARCHAR(32)  NOT NULL,
  params           TEXT         NOT NULL,
  status           ENUM('pending','sent','failed') NOT NULL DEFAULT 'pending',
  attempts         SMALLINT UNSIGNED NOT NULL DEFAULT 0,
  next_attempt_at  DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
  last_error       VARCHAR(200) NOT NULL DEFAULT '',
  provider_ref     VARCHAR(64)  NOT NULL DEFAULT '',
  created_at       DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
  sent_at          DATETIME     NULL,
  expires_at       DATETIME     NULL, -- not worth sending after this (login codes)
  UNIQUE KEY uk_outbox_dedup (dedup_key),
  KEY ix_outbox_due (status, next_attempt_at)
) ENGINE=InnoDB;

CREATE TABLE audit_log (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  at          DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
  actor_kind  ENUM('owner','staff','system') NOT NULL,
  actor_id    INT UNSIGNED NOT NULL DEFAULT 0,
  action      VARCHAR(64)  NOT NULL,
  entity      VARCHAR(32)  NOT NULL,
  entity_id   BIGINT UNSIGNED NOT NULL DEFAULT 0,
  detail      TEXT         NOT NULL,
  request_id  VARCHAR(32)  NOT NULL DEFAULT '',
  KEY ix_audit_entity (entity, entity_id)
) ENGINE=InnoDB;

-- Small shared caches that every worker host must agree on (the WeChat
-- access token: fetching a new one invalidates the old one elsewhere).
CREATE TABLE shared_cache (
  name        VARCHAR(64)  NOT NULL PRIMARY KEY,
  value       VARCHAR(1000) NOT NULL,
  expires_at  DATETIME     NOT NULL
) ENGINE=InnoDB;
