-- 005_current_links.sql — indexes for "lives there now" (PR_CURRENT in
-- lib/resources.h): a link is current while moved_out_on is NULL or later
-- than today, so the person's and the resource's indexes carry
-- moved_out_on instead of the stored active flag, and the person's covers
-- what the owner's list reads of a link (resource and relation): the hot
-- path reads the index alone, never the rows.
ALTER TABLE person_resources
  DROP INDEX ix_pr_person,
  ADD INDEX ix_pr_person (person_id, moved_out_on, resource_id, relation),
  DROP INDEX ix_pr_resource,
  ADD INDEX ix_pr_resource (resource_id, moved_out_on);
