-- 002_estate_version.sql — one counter that moves whenever anything an
-- owner's list of homes is made of changes (links, resources, projects,
-- buildings, units), by any path: the API, an import, the operator tool,
-- or SQL typed by hand. Workers cache rendered lists under this version
-- and check it in the same query that checks the session, so a cached list
-- is never shown after a change (docs/performance.md).
CREATE TABLE estate_version (
  id       TINYINT UNSIGNED NOT NULL PRIMARY KEY,
  version  BIGINT UNSIGNED NOT NULL
) ENGINE=InnoDB;
INSERT INTO estate_version (id, version) VALUES (1, 1);

-- A new project, building or unit is in nobody's list until a resource is
-- linked, which moves the counter: inserts of those need no trigger.

CREATE TRIGGER tr_person_resources_ai AFTER INSERT ON person_resources FOR EACH ROW
  UPDATE estate_version SET version = version + 1 WHERE id = 1;
CREATE TRIGGER tr_person_resources_au AFTER UPDATE ON person_resources FOR EACH ROW
  UPDATE estate_version SET version = version + 1 WHERE id = 1;
CREATE TRIGGER tr_person_resources_ad AFTER DELETE ON person_resources FOR EACH ROW
  UPDATE estate_version SET version = version + 1 WHERE id = 1;
CREATE TRIGGER tr_resources_ai AFTER INSERT ON resources FOR EACH ROW
  UPDATE estate_version SET version = version + 1 WHERE id = 1;
CREATE TRIGGER tr_resources_au AFTER UPDATE ON resources FOR EACH ROW
  UPDATE estate_version SET version = version + 1 WHERE id = 1;
CREATE TRIGGER tr_resources_ad AFTER DELETE ON resources FOR EACH ROW
  UPDATE estate_version SET version = version + 1 WHERE id = 1;
CREATE TRIGGER tr_projects_au AFTER UPDATE ON projects FOR EACH ROW
  UPDATE estate_version SET version = version + 1 WHERE id = 1;
CREATE TRIGGER tr_projects_ad AFTER DELETE ON projects FOR EACH ROW
  UPDATE estate_version SET version = version + 1 WHERE id = 1;
CREATE TRIGGER tr_buildings_au AFTER UPDATE ON buildings FOR EACH ROW
  UPDATE estate_version SET version = version + 1 WHERE id = 1;
CREATE TRIGGER tr_buildings_ad AFTER DELETE ON buildings FOR EACH ROW
  UPDATE estate_version SET version = version + 1 WHERE id = 1;
CREATE TRIGGER tr_units_au AFTER UPDATE ON units FOR EACH ROW
  UPDATE estate_version SET version = version + 1 WHERE id = 1;
CREATE TRIGGER tr_units_ad AFTER DELETE ON units FOR EACH ROW
  UPDATE estate_version SET version = version + 1 WHERE id = 1;
