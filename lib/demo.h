/*
 * demo.h — a large company for benchmarks (`wuye demo --rooms N --months M`).
 *
 * Projects of 5,000 homes each ("压测小区1", …), buildings of 2 units × 20
 * floors × 5 homes, one owner per home with a unique phone
 * 15xxxxxxxxx (the resource id, zero-padded), and a butler (1391000000x,
 * password demo1234) serving every generated project. The rows are made by
 * the server itself (INSERT … SELECT over MariaDB's sequence engine), so
 * 100,000 homes take seconds. The `months` of property-fee bills are made
 * afterwards by a bill run per project (lib/billrun.h: a batch per
 * transaction, 3.6 million bills in about a minute and a half).
 */
#ifndef WUYE_DEMO_H
#define WUYE_DEMO_H

#include "core/config.h"
#include "core/err.h"
#include "db/db.h"

int demo_generate(struct db *db, long rooms, long months, struct err *e);
/* `wuye demo-bills --months M`: M months of unpaid property-fee bills
 * ending with this month for every generated project, through the same
 * bill runs (what exists already is left as it is). */
int demo_generate_more_bills(struct db *db, long months, struct err *e);
/* `wuye demo-load`: the demo company of API.md (sql/demo.sql in dir) on a
 * database without projects, staff passwords set to demo1234 (argon2id);
 * a database with projects is left as it is. */
int demo_load(struct db *db, const struct config *cfg, const char *dir, struct err *e);

/* Service tickets. The demo projects' closed tickets into the knowledge
 * base (after demo_load(); idempotent). And for benchmarks (`--tickets N`, after
 * demo_generate()): N tickets for the generated homes, in a working
 * company's states, and a technician 13910000004 (demo1234) serving every
 * generated project. */
int demo_tickets_index(struct db *db, struct err *e);
int demo_generate_tickets(struct db *db, long n, struct err *e);

#endif
