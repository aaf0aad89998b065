/*
 * migrate.h — applying sql/NNN_name.sql in order, each once, recorded in
 * schema_migrations; and loading whole SQL files (the demo data).
 *
 * These files are ours, not request text, so they run as multi-statement
 * scripts over a connection of their own; everything else in the system
 * uses prepared statements (db.h).
 */
#ifndef WUYE_MIGRATE_H
#define WUYE_MIGRATE_H

#include "core/config.h"
#include "core/err.h"

/* Apply the migrations of dir that are not yet recorded; *applied counts
 * them. */
int migrate_apply(const struct config *cfg, const char *dir, int *applied, struct err *e);
/* Run one SQL file as a script. */
int migrate_run_file(const struct config *cfg, const char *path, struct err *e);

#endif
