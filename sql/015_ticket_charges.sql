-- 015_ticket_charges.sql — the repair fee of a ticket as a bill (TKT-4)
-- and the index of the tickets' statistics (TKT-6; lib/ticket_stats.h,
-- docs/tickets.md).
--
-- A private-area repair completed with a charge raises one bill of
-- source 'repair' for the ticket's home in the completion's transaction
-- (lib/tickets.c, bill_create_tx() of lib/bills.c). The bill names its
-- ticket: the unique key makes it one bill per ticket, ever, whatever a
-- retry or a second request does, and the check keeps every repair bill
-- tied to a ticket and no other bill tied to one. A column of the bill
-- (NULL for every other bill, an instant ADD COLUMN in MariaDB) rather
-- than a link table, so that the bill lists show the ticket without a
-- join.
ALTER TABLE bills
  ADD COLUMN ticket_id BIGINT UNSIGNED NULL,
  ADD UNIQUE KEY uk_bills_ticket (ticket_id),
  ADD CONSTRAINT fk_bills_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id),
  ADD CONSTRAINT ck_bills_ticket CHECK ((source = 'repair') = (ticket_id IS NOT NULL));

-- The statistics read a project's tickets by the time they were created
-- (a period of China days): a range of this index, however many tickets
-- the company has in its other projects and periods.
ALTER TABLE tickets ADD KEY ix_tickets_project_created (project_id, created_at);
