-- 003_second_pass.sql — the foundation's second pass (issue 6).
--
-- Limits that hold under concurrency (§5).
--
-- A limit is counted while holding a lock on its key's row here (INSERT …
-- ON DUPLICATE KEY UPDATE, see lib/auth.c), so parallel requests for one
-- phone or one address queue on that row instead of all reading the same
-- count and all passing. Keys are locked in one fixed order (phone before
-- address) so two requests never wait on each other in a cycle.
CREATE TABLE limit_keys (
  scope    VARCHAR(16)  NOT NULL,
  subject  VARCHAR(45)  NOT NULL,
  PRIMARY KEY (scope, subject)
) ENGINE=InnoDB;

-- Failed logins by scope: staff passwords and codes per phone and per
-- address ('phone', 'ip'), owner SMS codes per phone and per address
-- ('owner_phone', 'owner_ip'). A staff password try is recorded before the
-- hash is checked (a reservation, removed again when it succeeds), so at
-- most the limit of tries is ever evaluated in parallel.
ALTER TABLE login_failures MODIFY scope VARCHAR(16) NOT NULL;

-- Who created a person (issue 6 §5): an office admin sees and edits only
-- people with a current link in one of their projects, or people they
-- created that nobody has linked yet.
ALTER TABLE persons ADD COLUMN created_by_staff INT UNSIGNED NULL AFTER openid;

-- The owner list no longer has a per-thread cache (it is read in the same
-- statement that checks the session), so the estate version that
-- labelled the cache goes, and with it the one row every estate write of
-- every project had to update.
DROP TRIGGER tr_person_resources_ai;
DROP TRIGGER tr_person_resources_au;
DROP TRIGGER tr_person_resources_ad;
DROP TRIGGER tr_resources_ai;
DROP TRIGGER tr_resources_au;
DROP TRIGGER tr_resources_ad;
DROP TRIGGER tr_projects_au;
DROP TRIGGER tr_projects_ad;
DROP TRIGGER tr_buildings_au;
DROP TRIGGER tr_buildings_ad;
DROP TRIGGER tr_units_au;
DROP TRIGGER tr_units_ad;
DROP TABLE estate_version;
