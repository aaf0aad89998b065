/*
 * notices.h — announcements to owners (NTC-1; sql/013_notices.sql,
 * docs/notices.md): the office writes a draft for a project or chosen
 * buildings of it, edits it, publishes it (which queues a WeChat subscribe
 * message to each person of the audience with an openid) and withdraws
 * it; owners whose current home is in the audience list and read it; the
 * office sees who has read it.
 *
 * Every office write is one transaction that locks the notice row (or, for
 * a new one, reads the project's buildings under a shared lock), decides
 * scope on it (another project's: 404), then the state (409
 * NOTICE_NOT_DRAFT / NOTICE_NOT_PUBLISHED), and writes the row, its audit
 * row (real before and after) and its outbox rows together.
 *
 * The audience rule (the people who live there now) is shared with
 * surveys (surveys.h) and written once, as SQL (NOTICE_AUDIENCE) and as
 * the building list's normal form (notice_audience_text()).
 *
 * Not for: SMS (outbox.h), the WeChat sender itself (the outbox's).
 */
#ifndef WUYE_NOTICES_H
#define WUYE_NOTICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "auth.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/err.h"
#include "db/db.h"

/* Limits of the input (docs/api.md §7.17). */
#define NOTICE_TITLE_MAX 100 /* characters */
#define NOTICE_BODY_MAX 5000
#define NOTICE_BUILDINGS_MAX 50
/* building_ids as stored: up to 50 ids of 10 digits and their commas */
#define NOTICE_AUDIENCE_TEXT_MAX (NOTICE_BUILDINGS_MAX * 11 + 1)

/* The owners' list cursor: pinned × 10^13 + list_seq (sql/013_notices.sql). */
#define NOTICE_PINNED_RANK INT64_C(10000000000000)

/* A row lives in the audience of subject (a table alias with
 * project_id and building_ids) when resource r is of its project and,
 * unless the subject names no buildings, of one of its buildings. */
#define NOTICE_AUDIENCE(s, r)                                                                      \
    r ".project_id = " s ".project_id AND (" s ".building_ids = '' OR FIND_IN_SET(" r              \
    ".building_id, " s ".building_ids))"

/* Category codes and their Chinese labels, NULL-terminated, in the order
 * of the ENUM. */
extern const char *const notice_category_names[];
extern const char *const notice_category_labels[];

/* The audience's building ids in normal form: ascending "3,5" into out
 * (NOTICE_AUDIENCE_TEXT_MAX bytes), "" for none (the whole project).
 * 400 for more than NOTICE_BUILDINGS_MAX, a repeated or a non-positive
 * id. Pure (the buildings' project is checked in the transaction). */
int notice_audience_text(const int64_t *ids, size_t n, char *out, struct err *e);

/* In the caller's transaction: project_id exists and is one of the
 * caller's (404 otherwise), and the buildings (normal form, n of them)
 * are its own (400 otherwise); both locked shared so that they stay so
 * until the commit. The shared first step of a new notice or survey. */
int notice_audience_tx(struct db *db, struct arena *a, const struct principal *who,
                       int64_t project_id, const char *buildings, size_t n, struct err *e);

struct notice_in {
    const char *title, *body, *category; /* NULL = unchanged (edit) */
    bool has_pinned, pinned;
    bool has_expires, expires_null; /* expires_null: no expiry */
    time_t expires_at;
    bool has_publish, publish_null; /* publish_null: no schedule (定时发布) */
    time_t publish_at;
    bool has_buildings;
    const int64_t *building_ids;
    size_t nbuildings;
};

/* A new draft in project_id (one of the caller's: else 404); the
 * buildings must be the project's (else 400); a publish_at must be later
 * than now and earlier than the expiry (else 400; the caller becomes its
 * scheduler). *id the new notice. */
int notice_create(struct db *db, const struct principal *who, int64_t project_id,
                  const struct notice_in *in, int64_t *id, struct err *e);
/* Change a draft (409 NOTICE_NOT_DRAFT otherwise); setting publish_at
 * makes the caller its scheduler, and the row as changed must still
 * expire after it (else 400, nothing changed). */
int notice_update(struct db *db, const struct principal *who, int64_t id,
                  const struct notice_in *in, struct err *e);
/* Publish a draft: its list place, then a WeChat message to each person of
 * the audience with an openid (cfg->wechat_template_notice; "" = none),
 * de-duplicated by "notice:<id>:<person>"; a schedule it had is cleared.
 * An expiry already past: 409 NOTICE_EXPIRED. */
int notice_publish(struct db *db, const struct config *cfg, const struct principal *who,
                   int64_t id, struct err *e);
/* Withdraw a published notice (409 NOTICE_NOT_PUBLISHED otherwise). */
int notice_withdraw(struct db *db, const struct principal *who, int64_t id, struct err *e);

/* ---- scheduled publishing (定时发布; docs/notices.md) ----
 *
 * The job's side, the same for notices and surveys: a run reads the drafts
 * whose publish_at has come (no lock: each is locked and checked again by
 * its own publication) and publishes each in its own transaction through
 * the office's publish (notice_publish_due(), survey_publish_due()), as
 * its scheduler, after checking on the locked row that it is still a due
 * draft: two hosts, or a publish by hand at the same moment, publish it
 * once. */
enum notice_due_outcome {
    NOTICE_DUE_NONE,      /* not a due draft any more (published by hand, rescheduled) */
    NOTICE_DUE_PUBLISHED, /* published, audited as the scheduler's, by the schedule */
    NOTICE_DUE_CLEARED,   /* could not be published: schedule cleared, audited, still a draft */
};

struct notice_due_counts {
    int64_t published, cleared, failed;
};

/* publish_at (a schedule being set) against now and the moment the row
 * stops being publishable (until: an expiry or a survey's end, 0 = none;
 * until_name its member's name): later than now and earlier than until,
 * else 400. Pure. */
int notice_publish_at_check(time_t publish_at, time_t now, time_t until, const char *until_name,
                            struct err *e);
/* Publish notice id by its schedule (see above); *out what happened. A
 * passed expiry or a scheduler who may no longer publish it (deactivated,
 * not serving its project, not of the office) clears the schedule. */
int notice_publish_due(struct db *db, const struct config *cfg, int64_t id,
                       enum notice_due_outcome *out, struct err *e);
/* The job's run for notices: every notice due now, earliest publish_at
 * first, through notice_publish_due(); *n what happened. -1 when one
 * failed (e: the first failure; the others were still done). */
int notice_publish_scheduled(struct db *db, const struct config *cfg,
                             struct notice_due_counts *n, struct err *e);

/* The shared steps of a run (surveys.c's too). The loop: due (a statement
 * of the ids due now, earliest first, taking a LIMIT) a batch at a time,
 * each id through publish. */
int notice_due_run(struct db *db, struct db_sql *due,
                   int (*publish)(struct db *, const struct config *, int64_t,
                                  enum notice_due_outcome *, struct err *),
                   const struct config *cfg, struct notice_due_counts *n, struct err *e);
/* In the caller's transaction, on the locked row of project_id that
 * staff_id scheduled: *who their principal now (in a), and *why NULL when
 * they may still publish it, else why not (Chinese, for the audit row). */
int notice_scheduler_tx(struct db *db, struct arena *a, int64_t staff_id, int64_t project_id,
                        struct principal *who, const char **why, struct err *e);
/* The audit context of a scheduled step: {"source":"schedule",
 * "publish_at":<as stored>} and, for a cleared schedule, "reason" (may be
 * NULL); text in a, NULL when it cannot be built. */
const char *notice_schedule_context(struct arena *a, const char *publish_at, const char *reason);

/* A notice as read; strings in the caller's arena, times as stored (UTC,
 * NULL when not set). */
struct notice {
    int64_t id, project_id;
    const char *building_ids; /* "3,5"; "" = the whole project */
    const char *title, *body, *category, *status;
    bool pinned, read; /* read: the owner's (owner lists only) */
    const char *expires_at, *created_at, *published_at, *withdrawn_at, *read_at;
    const char *publish_at; /* a draft's schedule, NULL when none */
    int64_t cursor; /* the owners' list: its place */
};

struct notice_page {
    struct notice *items;
    size_t n;
    int64_t next; /* the cursor of the next page; 0 after the last */
};

/* The published, unexpired notices whose audience holds one of the
 * owner's current homes, pinned first, then the newest published; each
 * with the owner's read flag. after: the cursor (0 = from the top). */
int notice_list_owner(struct db *db, struct arena *a, const struct principal *who, int64_t after,
                      int limit, struct notice_page *out, struct err *e);
/* Mark notice id read for the owner (idempotent; the first read's time
 * stays). 404 unless it is published, unexpired and for one of the
 * owner's homes now. */
int notice_read(struct db *db, const struct principal *who, int64_t id, struct err *e);

/* The notices of project_id (one of the caller's, else 404), newest
 * first by id; status NULL = any, else draft|published|withdrawn (else
 * 400). before: an id (0 = from the newest). */
int notice_list_project(struct db *db, struct arena *a, const struct principal *who,
                        int64_t project_id, const char *status, int64_t before, int limit,
                        struct notice_page *out, struct err *e);
/* The published notices of every project of the caller's (or of
 * project_id, one of them; else 404), newest first: the staff app. */
int notice_list_staff(struct db *db, struct arena *a, const struct principal *who,
                      int64_t project_id, int64_t before, int limit, struct notice_page *out,
                      struct err *e);

/* One notice of the caller's projects (404 otherwise), with its read
 * figures: homes and people of the audience now, and how many of them
 * have read it. */
struct notice_stats {
    int64_t homes, people, read_people, read_homes;
};
int notice_get(struct db *db, struct arena *a, const struct principal *who, int64_t id,
               struct notice *out, struct notice_stats *st, struct err *e);

/* The people of the audience now who have (read) or have not read it, by
 * person id, a page at a time (after: a person id). */
struct notice_reader {
    int64_t person_id;
    const char *name, *phone, *homes; /* phone in full: the caller masks; homes "1-1-101,…" */
    const char *read_at;              /* NULL: not read */
};
int notice_readers(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                   bool read, int64_t after, int limit, struct notice_reader **out, size_t *n,
                   int64_t *next, struct err *e);

/* Queue one WeChat subscribe message per row of rows (column 0 the
 * person id, column 1 the openid) in the caller's transaction: the shared
 * step of publishing a notice or a survey (the rows are project_id's). dedup "<stem>:<person>";
 * params: title (cut to the 20 characters of a thing.DATA), second.
 * Nothing when template_id is "". */
int notice_queue_wechat(struct db *db, struct arena *a, int64_t project_id,
                        const struct db_res *rows, const char *stem, const char *template_id,
                        const char *title, const char *second, struct err *e);

#endif
