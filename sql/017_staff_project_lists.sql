-- 017_staff_project_lists.sql — the projects each staff member serves, as
-- the sorted list of their ids in one row, so that checking a staff
-- session is a join of primary keys (sessions, staff, this) instead of a
-- grouped subquery of staff_projects on every request: measured with
-- mariadb-slap, the subquery was a third of the session lookup
-- (docs/performance.md).
--
-- staff_projects stays the truth; the triggers keep this copy by any path
-- (the office API, the demo, SQL typed by hand), in the writer's
-- transaction, so a session checked after the commit sees the new list.
-- The copy is a table of its own, not a column of staff: a trigger may not
-- write a table that its statement reads, and "INSERT INTO staff_projects
-- … SELECT … FROM staff" is how projects are given in bulk.
CREATE TABLE staff_project_lists (
  staff_id     INT UNSIGNED NOT NULL PRIMARY KEY,
  project_ids  TEXT CHARACTER SET ascii NOT NULL,
  CONSTRAINT fk_spl_staff FOREIGN KEY (staff_id) REFERENCES staff (id) ON DELETE CASCADE
) ENGINE=InnoDB;

INSERT INTO staff_project_lists (staff_id, project_ids)
  SELECT staff_id, GROUP_CONCAT(project_id ORDER BY project_id)
  FROM staff_projects GROUP BY staff_id;

CREATE TRIGGER tr_staff_projects_ai AFTER INSERT ON staff_projects FOR EACH ROW
  INSERT INTO staff_project_lists (staff_id, project_ids)
    SELECT NEW.staff_id, COALESCE(GROUP_CONCAT(sp.project_id ORDER BY sp.project_id), '')
    FROM staff_projects sp WHERE sp.staff_id = NEW.staff_id
  ON DUPLICATE KEY UPDATE project_ids = VALUES(project_ids);
CREATE TRIGGER tr_staff_projects_ad AFTER DELETE ON staff_projects FOR EACH ROW
  UPDATE staff_project_lists
  SET project_ids = COALESCE((SELECT GROUP_CONCAT(sp.project_id ORDER BY sp.project_id)
                              FROM staff_projects sp WHERE sp.staff_id = OLD.staff_id), '')
  WHERE staff_id = OLD.staff_id;
-- staff_projects rows are deleted and inserted, never updated in place;
-- were one updated, both members' lists would follow.
CREATE TRIGGER tr_staff_projects_au AFTER UPDATE ON staff_projects FOR EACH ROW
  UPDATE staff_project_lists l
  SET l.project_ids = COALESCE((SELECT GROUP_CONCAT(sp.project_id ORDER BY sp.project_id)
                                FROM staff_projects sp WHERE sp.staff_id = l.staff_id), '')
  WHERE l.staff_id IN (OLD.staff_id, NEW.staff_id);
