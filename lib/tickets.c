/*
 * tickets.c — service tickets (see tickets.h; the state table is
 * ticket_flow.c's).
 *
 * A write has the shape of resources_edit.c's: input checked first, then
 * one transaction that locks what decides (the ticket row for a step; for
 * a new ticket its place — the owner's current link, read by the insert
 * itself, or the resource, building or project staff name), decides scope
 * on it, snapshots, writes the ticket, its history row (a step's; the
 * submission is the ticket row), its audit row and its notices, and
 * nothing outside the transaction decides anything. A deadlock rerun
 * starts the function again from the top, so the functions keep no state
 * between tries but their input.
 *
 * Deadlines are computed by the database (UTC_TIMESTAMP() + minutes), so
 * every time of a ticket comes from one clock.
 */
#include "tickets.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "audit.h"
#include "core/util.h"
#include "bills.h"
#include "core/json.h"
#include "core/money.h"
#include "fees.h"
#include "outbox.h"
#include "resources.h"
#include "staff.h"

const char *const ticket_type_names[] = {"repair",     "cleaning", "security", "complaint",
                                         "suggestion", "other",    NULL};
const char *const ticket_severity_names[] = {"normal", "serious", "critical", NULL};
static const char *const area_names[] = {"private", "public", NULL};

/* Default deadlines in minutes (response, completion), by type in the
 * order of ticket_type_names; a project's ticket_deadlines rows win. */
static const int default_deadlines[][2] = {
    {30, 48 * 60},          /* repair: someone answers in half an hour, done in two days */
    {60, 24 * 60},          /* cleaning */
    {15, 4 * 60},           /* security */
    {2 * 60, 3 * 24 * 60},  /* complaint */
    {24 * 60, 7 * 24 * 60}, /* suggestion */
    {2 * 60, 3 * 24 * 60},  /* other */
};

void ticket_default_deadlines(int i, int64_t *response_min, int64_t *complete_min)
{
    *response_min = default_deadlines[i][0];
    *complete_min = default_deadlines[i][1];
}

/* Who hears of a complaint, by severity (normal, serious, critical). */
static const unsigned complaint_roles[] = {
    ROLE_SUPERVISOR,
    ROLE_SUPERVISOR | ROLE_MANAGER,
    ROLE_SUPERVISOR | ROLE_MANAGER | ROLE_ADMIN,
};

/* Appointments: not in the past (a few minutes' leeway for the clock of
 * the phone), not more than half a year ahead. */
#define APPOINTMENT_PAST_S (10 * 60)
#define APPOINTMENT_AHEAD_S (183 * 24 * 3600)


int ticket_type_index(const char *type)
{
    return util_index_of(type, ticket_type_names);
}

/* ---- The SQL of this module -------------------------------------------------------- */

/* A ticket's columns in the order of ticket_from_row(): a list's first
 * (what a list item shows), then the rest of the detail's. T is the
 * table's prefix ("t." in a SELECT, "" in an insert's RETURNING), A the
 * assignee's name. */
#define TICKET_LIST_ROW(T, A)                                                                      \
    T "id, " T "project_id, " T "resource_id, " T "building_id, " T "type, " T "severity, " T      \
      "area, " T "description, " T "status, " T "appointment_at, " T "created_at, " T              \
      "assignee_id, " A ", " T "reporter_kind, " T "reporter_id, " T "rating_score, " T            \
      "rating_comment, " T "response_overdue, " T "complete_overdue, " T "photos "
#define TICKET_LIST_NCOLS 20
#define TICKET_ROW(T, A)                                                                           \
    TICKET_LIST_ROW(T, A)                                                                          \
    ", " T "updated_at, IF(" T "reporter_kind = 'owner', (SELECT pe.name FROM persons pe "         \
    "WHERE pe.id = " T "reporter_id), (SELECT st.name FROM staff st WHERE st.id = " T              \
    "reporter_id)), " T "result, " T "charge_fen, " T "visit_score, " T "visit_comment, " T        \
    "escalations, " T "response_due_at, " T "complete_due_at "
#define TICKET_LIST_COLS TICKET_LIST_ROW("t.", "a.name")
#define TICKET_COLS TICKET_ROW("t.", "a.name")
#define TICKET_NCOLS 29

/* The places staff report a ticket about, locked so they cannot move
 * meanwhile (an owner's home: in the insert, sql_insert_owner). */
DB_SQL(sql_resource_place,
       "SELECT project_id, building_id FROM resources WHERE id = ? LOCK IN SHARE MODE");
DB_SQL(sql_building_place, "SELECT project_id FROM buildings WHERE id = ? LOCK IN SHARE MODE");
DB_SQL(sql_project_place, "SELECT id FROM projects WHERE id = ? LOCK IN SHARE MODE");
/* A photo is the caller's and attached to nothing, or it is not attached. */
DB_SQL(sql_attach, "UPDATE uploads SET ticket_id = ? WHERE id = ? AND uploader_kind = ? "
                   "AND uploader_id = ? AND ticket_id IS NULL");
DB_SQL(sql_event, "INSERT INTO ticket_events (ticket_id, action, from_status, to_status, "
                  "by_kind, by_id, assignee_id, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
/* The audit log's picture of a ticket: after a step (sql_snap), and as
 * the insert stored it (the inserts' RETURNING: one round trip less). */
#define TICKET_SNAP                                                                                \
    "JSON_OBJECT('project_id', project_id, 'resource_id', resource_id, "                           \
    "'building_id', building_id, 'type', type, 'severity', severity, 'area', area, "               \
    "'status', status, 'assignee_id', assignee_id, 'reporter_kind', reporter_kind, "               \
    "'reporter_id', reporter_id, 'appointment_at', appointment_at, 'photos', photos, "             \
    "'result', result, 'charge_fen', charge_fen, 'rating_score', rating_score, "                   \
    "'visit_score', visit_score, 'escalations', escalations, "                                     \
    "'response_due_at', response_due_at, 'complete_due_at', complete_due_at, "                     \
    "'response_overdue', response_overdue, 'complete_overdue', complete_overdue)"
DB_SQL(sql_snap, "SELECT " TICKET_SNAP " FROM tickets WHERE id = ?");
/* The deadlines are the project's for the type, or the defaults: read in
 * the insert. The insert answers the new row (as a list shows it, then
 * the rest, then its audit snapshot): no read after it. */
#define DEADLINE(project, col)                                                                     \
    "UTC_TIMESTAMP() + INTERVAL COALESCE((SELECT d." col " FROM ticket_deadlines d "               \
    "WHERE d.project_id = " project " AND d.type = ?), ?) MINUTE"
#define DEADLINES(project) DEADLINE(project, "response_min") ", " DEADLINE(project, "complete_min")
#define INSERT_COLS                                                                                \
    "INSERT INTO tickets (project_id, resource_id, building_id, type, severity, area, "            \
    "description, appointment_at, reporter_kind, reporter_id, photos, response_due_at, "           \
    "complete_due_at) "
#define INSERT_RETURNING " RETURNING " TICKET_ROW("", "NULL") ", " TICKET_SNAP
/* An owner's: the home is one of theirs now (its link locked by the
 * insert's read), or nothing is inserted (404). */
#define OWNER_VALUES                                                                               \
    "SELECT r.project_id, r.id, r.building_id, ?, ?, ?, ?, IF(? = 0, NULL, FROM_UNIXTIME(?)), "    \
    "'owner', pr.person_id, ?, "
#define OWNER_HOME                                                                                 \
    " FROM person_resources pr JOIN resources r ON r.id = pr.resource_id "                         \
    "WHERE pr.person_id = ? AND pr.resource_id = ? AND " PR_CURRENT("pr") " LIMIT 1"
DB_SQL(sql_insert_owner,
       INSERT_COLS OWNER_VALUES DEADLINES("r.project_id") OWNER_HOME INSERT_RETURNING);
/* Staff's: the place decided before (place_tx()). */
#define STAFF_VALUES                                                                               \
    "VALUES (?, ?, ?, ?, ?, ?, ?, IF(? = 0, NULL, FROM_UNIXTIME(?)), 'staff', ?, ?, "
DB_SQL(sql_insert_staff, INSERT_COLS STAFF_VALUES DEADLINES("?") ")" INSERT_RETURNING);
/* The row every step of a ticket locks first. */
DB_SQL(sql_lock, "SELECT project_id, status, assignee_id, reporter_kind = 'owner', reporter_id, "
                 "type, area, rating_score IS NOT NULL, description, result, resource_id "
                 "FROM tickets WHERE id = ? FOR UPDATE");
/* One statement for every step: the columns a step does not set are
 * passed as NULL (unchanged); the three ? before the id are the state
 * entered ("" when the state stays), which stamps its time. */
DB_SQL(sql_step,
       "UPDATE tickets SET status = ?, assignee_id = IF(? = 0, assignee_id, ?), "
       "result = COALESCE(?, result), charge_fen = COALESCE(?, charge_fen), "
       "visit_score = COALESCE(?, visit_score), visit_comment = COALESCE(?, visit_comment), "
       "rating_score = COALESCE(?, rating_score), rating_comment = COALESCE(?, rating_comment), "
       "escalations = escalations + ?, "
       "accepted_at = IF(? = 'accepted', UTC_TIMESTAMP(), accepted_at), "
       "completed_at = IF(? = 'completed', UTC_TIMESTAMP(), completed_at), "
       "closed_at = IF(? = 'closed', UTC_TIMESTAMP(), closed_at) WHERE id = ?");
/* An assignee: an active technician serving the ticket's project. */
DB_SQL(sql_technician, "SELECT s.id FROM staff s JOIN staff_projects sp ON sp.staff_id = s.id "
                       "AND sp.project_id = ? WHERE s.id = ? AND s.active = 1 "
                       "AND FIND_IN_SET('technician', s.roles) LOCK IN SHARE MODE");
DB_SQL(sql_material_insert,
       "INSERT INTO ticket_materials (ticket_id, name, quantity, unit) VALUES (?, ?, ?, ?)");
/* The knowledge base: one row per distinct bigram (a JSON array). */
DB_SQL(sql_kb_index, "INSERT IGNORE INTO ticket_kb_grams (gram, project_id, ticket_id) "
                     "SELECT j.g, ?, ? FROM JSON_TABLE(?, '$[*]' COLUMNS "
                     "(g VARCHAR(2) CHARACTER SET utf8mb4 PATH '$')) j");
/* Whom to tell. */
DB_SQL(sql_owner_phone, "SELECT phone FROM persons WHERE id = ?");

/* Reads. */
#define TICKET_ASSIGNEE " LEFT JOIN staff a ON a.id = t.assignee_id "

DB_SQL(sql_get, "SELECT " TICKET_COLS "FROM tickets t" TICKET_ASSIGNEE "WHERE t.id = ?");
DB_SQL(sql_history,
       "SELECT e.action, e.to_status, e.by_kind, e.by_id, CASE e.by_kind "
       "WHEN 'owner' THEN (SELECT pe.name FROM persons pe WHERE pe.id = e.by_id) "
       "WHEN 'staff' THEN (SELECT st.name FROM staff st WHERE st.id = e.by_id) ELSE '' END, "
       "e.note, e.at FROM ticket_events e WHERE e.ticket_id = ? ORDER BY e.id");
DB_SQL(sql_materials,
       "SELECT name, quantity, unit FROM ticket_materials WHERE ticket_id = ? ORDER BY id");
DB_SQL(sql_list_owner, "SELECT " TICKET_LIST_COLS "FROM tickets t" TICKET_ASSIGNEE
                       "WHERE t.reporter_kind = 'owner' AND t.reporter_id = ? AND t.id < ? "
                       "ORDER BY t.id DESC LIMIT ?");
/* The staff list: one project (its indexes: by status, or all of it by
 * id), or every project of the caller's (the list of their ids, checked
 * row by row while the newest are read backwards by id, or by status and
 * id); then optionally one status, one assignee (or none), one type. */
#define STAFF_FILTERS                                                                              \
    "AND (? = '' OR t.status = ?) "                                                                \
    "AND (? = 0 OR (? = -1 AND t.assignee_id IS NULL) OR t.assignee_id = ?) "                      \
    "AND (? = '' OR t.type = ?) AND (? = 0 OR t.response_overdue OR t.complete_overdue) "          \
    "AND (? = '' OR t.created_at >= ?) AND (? = '' OR t.created_at < ?) "                          \
    "AND t.id < ? ORDER BY t.id DESC LIMIT ?"
DB_SQL(sql_list_project, "SELECT " TICKET_LIST_COLS "FROM tickets t" TICKET_ASSIGNEE
                         "WHERE t.project_id = ? " STAFF_FILTERS);
DB_SQL(sql_list_projects, "SELECT " TICKET_LIST_COLS "FROM tickets t" TICKET_ASSIGNEE
                          "WHERE FIND_IN_SET(t.project_id, ?) " STAFF_FILTERS);
DB_SQL(sql_suggest,
       "SELECT s.id, s.name, (SELECT GROUP_CONCAT(k.skill ORDER BY k.skill) FROM staff_skills k "
       "WHERE k.staff_id = s.id), (SELECT COUNT(*) FROM tickets o WHERE o.assignee_id = s.id "
       "AND o.status IN ('dispatched', 'taken', 'in_progress')) AS open_load "
       "FROM staff s JOIN staff_projects sp ON sp.staff_id = s.id AND sp.project_id = ? "
       "WHERE s.active = 1 AND FIND_IN_SET('technician', s.roles) "
       "AND (NOT EXISTS (SELECT 1 FROM ticket_type_skills ts WHERE ts.project_id = sp.project_id "
       "AND ts.type = ?) OR EXISTS (SELECT 1 FROM ticket_type_skills ts JOIN staff_skills k "
       "ON k.skill = ts.skill AND k.staff_id = s.id WHERE ts.project_id = sp.project_id "
       "AND ts.type = ?)) ORDER BY open_load, s.id");
/* The tickets holding every bigram asked for (? = their count). */
DB_SQL(sql_kb_search,
       "SELECT " TICKET_COLS "FROM (SELECT k.ticket_id FROM ticket_kb_grams k "
       "JOIN JSON_TABLE(?, '$[*]' COLUMNS (g VARCHAR(2) CHARACTER SET utf8mb4 PATH '$')) q "
       "ON k.gram = q.g COLLATE utf8mb4_bin "
       "JOIN staff_projects sp ON sp.project_id = k.project_id AND sp.staff_id = ? "
       "WHERE (? = 0 OR k.project_id = ?) GROUP BY k.ticket_id HAVING COUNT(*) = ? "
       "ORDER BY k.ticket_id DESC LIMIT ?) h JOIN tickets t ON t.id = h.ticket_id" TICKET_ASSIGNEE
       "ORDER BY t.id DESC");
/* The overdue job: candidates by a plain read (no lock on the tickets it
 * passes), then each locked on its own and checked again, skipping one a
 * step holds (it is taken on the next run). */
#define RESPONSE_LATE                                                                              \
    "status = 'submitted' AND response_overdue = 0 AND response_due_at < UTC_TIMESTAMP()"
#define COMPLETE_LATE                                                                              \
    "status IN ('submitted', 'accepted', 'dispatched', 'taken', 'in_progress') "                   \
    "AND complete_overdue = 0 AND complete_due_at < UTC_TIMESTAMP()"
DB_SQL(sql_overdue, "(SELECT id FROM tickets WHERE " RESPONSE_LATE " LIMIT 250) UNION "
                    "(SELECT id FROM tickets WHERE " COMPLETE_LATE " LIMIT 250)");
DB_SQL(sql_overdue_lock, "SELECT project_id, " RESPONSE_LATE ", " COMPLETE_LATE
                         " FROM tickets WHERE id = ? FOR UPDATE SKIP LOCKED");
DB_SQL(sql_flag, "UPDATE tickets SET response_overdue = response_overdue OR ?, "
                 "complete_overdue = complete_overdue OR ? WHERE id = ?");

/* ---- rows -------------------------------------------------------------------------- */

static void ticket_from_row(struct arena *a, const struct db_res *r, size_t i, struct ticket *t)
{
    memset(t, 0, sizeof(*t));
    t->id = db_int(r, i, 0);
    t->project_id = db_int(r, i, 1);
    t->resource_id = db_int(r, i, 2);
    t->building_id = db_int(r, i, 3);
    t->type = db_text(r, i, 4);
    t->severity = db_str(r, i, 5);
    t->area = db_text(r, i, 6);
    t->description = db_text(r, i, 7);
    ticket_status_from_name(db_text(r, i, 8), &t->status);
    t->appointment_at = db_str(r, i, 9);
    t->created_at = db_text(r, i, 10);
    t->assignee_id = db_int(r, i, 11);
    t->assignee_name = db_text(r, i, 12);
    t->reported_by_owner = strcmp(db_text(r, i, 13), "owner") == 0;
    t->reporter_id = db_int(r, i, 14);
    t->rated = !db_is_null(r, i, 15);
    t->rating_score = db_int(r, i, 15);
    t->rating_comment = db_text(r, i, 16);
    t->response_overdue = db_int(r, i, 17) != 0;
    t->complete_overdue = db_int(r, i, 18) != 0;
    t->photos = db_id_list(a, db_text(r, i, 19), &t->nphotos);
    if (r->ncols < TICKET_NCOLS)
        return;
    t->full = true;
    t->updated_at = db_text(r, i, 20);
    t->reporter_name = db_text(r, i, 21);
    t->result = db_text(r, i, 22);
    t->has_charge = !db_is_null(r, i, 23);
    t->charge_fen = db_int(r, i, 23);
    t->visited = !db_is_null(r, i, 24);
    t->visit_score = db_int(r, i, 24);
    t->visit_comment = db_text(r, i, 25);
    t->escalations = db_int(r, i, 26);
    t->response_due_at = db_text(r, i, 27);
    t->complete_due_at = db_text(r, i, 28);
}

/* The history's first entry: the submission, which is the ticket row. */
static void submission(struct ticket_event *x, const struct ticket *t)
{
    x->action = "submit";
    x->status = "submitted";
    x->by_kind = t->reported_by_owner ? "owner" : "staff";
    x->by_id = t->reporter_id;
    x->by_name = t->reporter_name;
    x->note = "";
    x->at = t->created_at;
}

static void tickets_from_rows(struct arena *a, const struct db_res *r, struct ticket_page *out)
{
    out->items = arena_alloc(a, (r->nrows ? r->nrows : 1) * sizeof(*out->items));
    out->n = r->nrows;
    for (size_t i = 0; i < r->nrows; i++)
        ticket_from_row(a, r, i, &out->items[i]);
}

static int load_materials(struct db *db, struct arena *a, struct ticket *t, struct err *e)
{
    struct db_res r;

    if (db_query(db, a, &sql_materials, DB_ARGS(P_INT(t->id)), &r, e) < 0)
        return -1;
    t->materials = arena_alloc(a, (r.nrows ? r.nrows : 1) * sizeof(*t->materials));
    t->nmaterials = r.nrows;
    for (size_t i = 0; i < r.nrows; i++) {
        t->materials[i].name = db_text(&r, i, 0);
        t->materials[i].quantity = db_int(&r, i, 1);
        t->materials[i].unit = db_text(&r, i, 2);
    }
    return 0;
}

/* ---- notices ----------------------------------------------------------------------- */

/* One SMS of a ticket's to a mainland phone, through the outbox. */
static int queue_sms(struct db *db, int64_t project_id, const char *phone, const char *dedup,
                     const char *template_id, const char *what, int64_t ticket_id, struct err *e)
{
    char e164[24], no[24];
    const char *params[2] = {what, no};

    snprintf(e164, sizeof(e164), "+86%s", phone);
    snprintf(no, sizeof(no), "%lld", (long long)ticket_id);
    return outbox_queue(db,
                        &(struct outbox_msg){.channel = OUTBOX_SMS,
                                             .project_id = project_id,
                                             .dedup_key = dedup,
                                             .recipient = e164,
                                             .template_id = template_id,
                                             .params = params,
                                             .nparams = 2},
                        e);
}

/* The owner who reported ticket_id hears of its new state. */
static int tell_owner(struct db *db, struct arena *a, const struct config *cfg, int64_t project_id,
                      int64_t ticket_id, int64_t person_id, enum ticket_status now,
                      int64_t event_id, struct err *e)
{
    struct db_res r;
    char dedup[64];
    int found;

    if (!cfg->sms_template_ticket[0])
        return 0;
    found = db_one(db, a, &sql_owner_phone, DB_ARGS(P_INT(person_id)), &r, e);
    if (found <= 0)
        return found; /* a person removed since: nobody to tell */
    snprintf(dedup, sizeof(dedup), "ticket:%lld:owner", (long long)event_id);
    return queue_sms(db, project_id, db_text(&r, 0, 0), dedup, cfg->sms_template_ticket,
                     ticket_status_label(now), ticket_id, e);
}

/* The active staff of a project holding one of roles hear what happened
 * to ticket_id; cause names the event (the de-duplication key's stem). */
static int tell_staff(struct db *db, struct arena *a, const struct config *cfg, int64_t project_id,
                      unsigned roles, int64_t ticket_id, const char *what, const char *cause,
                      struct err *e)
{
    char no[24];
    const char *params[2] = {what, no};

    snprintf(no, sizeof(no), "%lld", (long long)ticket_id);
    return staff_tell(db, a,
                      &(struct staff_notice){.project_id = project_id,
                                             .roles = roles,
                                             .template_id = cfg->sms_template_ticket_staff,
                                             .cause = cause,
                                             .params = params,
                                             .nparams = 2},
                      e);
}

/* ---- the knowledge base's words ---------------------------------------------------- */

/* One UTF-8 character at s (valid UTF-8: the JSON layer checked); its
 * length, and its code point in *cp. */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if ((s[0] & 0xE0) == 0xC0 && s[1]) {
        *cp = (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
        return 2;
    }
    if ((s[0] & 0xF0) == 0xE0 && s[1] && s[2]) {
        *cp = (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
        return 3;
    }
    if ((s[0] & 0xF8) == 0xF0 && s[1] && s[2] && s[3]) {
        *cp = (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
              (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
        return 4;
    }
    *cp = 0xFFFD; /* not UTF-8: a separator */
    return 1;
}

/* Does a word go on across this character? Letters, digits and CJK do;
 * spaces, ASCII and CJK punctuation, symbols and fullwidth punctuation
 * separate words. */
static bool word_char(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
    if (cp == 0xFFFD || (cp >= 0x2000 && cp <= 0x206F) || /* general punctuation */
        (cp >= 0x3000 && cp <= 0x303F) ||                 /* CJK symbols and punctuation */
        (cp >= 0xFF00 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) ||
        (cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65) || cp == 0x00A0 ||
        cp == 0x00B7 || cp == 0x00D7)
        return false;
    return true;
}

size_t ticket_bigrams(const char *text, char (*out)[9], size_t max)
{
    const unsigned char *s = (const unsigned char *)text;
    char prev[5] = "";
    size_t n = 0;

    while (s && *s && n < max) {
        uint32_t cp;
        size_t len = utf8_next(s, &cp);
        char cur[5];

        if (!word_char(cp)) {
            prev[0] = '\0';
            s += len;
            continue;
        }
        memcpy(cur, s, len);
        cur[len] = '\0';
        if (len == 1 && cur[0] >= 'A' && cur[0] <= 'Z')
            cur[0] = (char)(cur[0] - 'A' + 'a');
        if (prev[0]) {
            char g[9];
            bool seen = false;
            snprintf(g, sizeof(g), "%s%s", prev, cur);
            for (size_t k = 0; k < n && !seen; k++)
                seen = strcmp(out[k], g) == 0;
            if (!seen)
                memcpy(out[n++], g, sizeof(g));
        }
        memcpy(prev, cur, sizeof(cur));
        s += len;
    }
    return n;
}

/* The bigrams of texts[0..n) as a JSON array (cJSON's text, to free). */
static char *bigrams_json(const char *const *texts, size_t ntexts, size_t *count)
{
    enum { MAX = 4096 };
    static _Thread_local char grams[MAX][9];
    cJSON *arr = cJSON_CreateArray();
    char *text;
    size_t n = 0;

    for (size_t i = 0; i < ntexts; i++) {
        char(*more)[9] = grams + n;
        size_t got = ticket_bigrams(texts[i], more, MAX - n);
        /* the same bigram in two texts counts once */
        for (size_t k = 0; k < got; k++) {
            bool seen = false;
            for (size_t j = 0; j < n && !seen; j++)
                seen = strcmp(grams[j], more[k]) == 0;
            if (!seen)
                memmove(grams[n++], more[k], sizeof(grams[0]));
        }
    }
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(grams[i]));
    text = cJSON_PrintUnformatted(arr);
    cJSON_Delete(arr);
    *count = n;
    return text;
}

/* ---- creating ---------------------------------------------------------------------- */

struct create_op {
    struct arena *a; /* the caller's: the new ticket lives in it */
    const struct config *cfg;
    const struct principal *who;
    const struct ticket_in *in;
    int type, severity;                  /* indexes of the name sets; severity -1 = none */
    char photos[TICKET_PHOTOS_MAX * 17]; /* tickets.photos: "12,13", ascending */
    struct ticket *out;
};

/* The place of a ticket staff report: its project and building, decided
 * on locked rows (404 outside the caller's projects). */
static int place_tx(struct db *db, struct create_op *op, int64_t *project_id, int64_t *building_id,
                    struct err *e)
{
    const struct ticket_in *in = op->in;
    struct db_res r;
    int found;

    *building_id = 0;
    if (in->resource_id) {
        found = db_one(db, op->a, &sql_resource_place, DB_ARGS(P_INT(in->resource_id)), &r, e);
        if (found > 0)
            *building_id = db_int(&r, 0, 1);
    } else if (in->building_id) {
        found = db_one(db, op->a, &sql_building_place, DB_ARGS(P_INT(in->building_id)), &r, e);
        *building_id = in->building_id;
    } else {
        found = db_one(db, op->a, &sql_project_place, DB_ARGS(P_INT(in->project_id)), &r, e);
    }
    if (found < 0)
        return -1;
    if (found == 0 || !auth_in_project(op->who, db_int(&r, 0, 0)))
        return err_not_found(e);
    *project_id = db_int(&r, 0, 0);
    return 0;
}

static int event_tx(struct db *db, int64_t ticket_id, const char *action, const char *from,
                    const char *to, const struct principal *who, int64_t assignee_id,
                    const char *note, int64_t *id, struct err *e)
{
    const char *kind = !who ? "system" : who->kind == SUBJECT_OWNER ? "owner" : "staff";

    return db_insert(db, &sql_event,
                     DB_ARGS(P_INT(ticket_id), P_STR(action), P_STR(from), P_STR(to), P_STR(kind),
                             P_INT(who ? who->id : 0), assignee_id ? P_INT(assignee_id) : P_NULL,
                             P_STR(note ? note : "")),
                     id, e);
}

static int create_tx(struct db *db, void *arg, struct err *e)
{
    struct create_op *op = arg;
    const struct ticket_in *in = op->in;
    const struct principal *who = op->who;
    const char *kind = who->kind == SUBJECT_OWNER ? "owner" : "staff";
    const char *type = ticket_type_names[op->type];
    const char *severity = op->severity < 0 ? NULL : ticket_severity_names[op->severity];
    int64_t appointment = in->has_appointment ? (int64_t)in->appointment_at : 0;
    int response = default_deadlines[op->type][0], complete = default_deadlines[op->type][1];
    struct db_res r;
    char cause[48];
    int found;

    if (who->kind == SUBJECT_OWNER) {
        found =
            db_one(db, op->a, &sql_insert_owner,
                   DB_ARGS(P_STR(type), P_STR(severity), P_STR(in->area), P_STR(in->description),
                           P_INT(in->has_appointment), P_INT(appointment), P_STR(op->photos),
                           P_STR(type), P_INT(response), P_STR(type), P_INT(complete),
                           P_INT(who->id), P_INT(in->resource_id)),
                   &r, e);
    } else {
        int64_t project_id = 0, building_id = 0;
        if (place_tx(db, op, &project_id, &building_id, e) < 0)
            return -1;
        found = db_one(db, op->a, &sql_insert_staff,
                       DB_ARGS(P_INT(project_id), in->resource_id ? P_INT(in->resource_id) : P_NULL,
                               building_id ? P_INT(building_id) : P_NULL, P_STR(type),
                               P_STR(severity), P_STR(in->area), P_STR(in->description),
                               P_INT(in->has_appointment), P_INT(appointment), P_INT(who->id),
                               P_STR(op->photos), P_INT(project_id), P_STR(type), P_INT(response),
                               P_INT(project_id), P_STR(type), P_INT(complete)),
                       &r, e);
    }
    if (found <= 0)
        return found < 0 ? -1 : err_not_found(e); /* not the owner's home (now) */
    ticket_from_row(op->a, &r, 0, op->out);
    for (size_t i = 0; i < in->nphotos; i++) {
        uint64_t attached;
        if (db_exec(db, &sql_attach,
                    DB_ARGS(P_INT(op->out->id), P_INT(in->photos[i]), P_STR(kind), P_INT(who->id)),
                    &attached, e) < 0)
            return -1;
        if (attached != 1)
            return err_setf(e, E_BAD_REQUEST, "照片 %lld 不是您上传的未使用的图片",
                            (long long)in->photos[i]);
    }
    /* the submission is the row itself (the history's first entry, not a
     * ticket_events row); its audit row has the row as the insert stored it */
    if (audit_log(db,
                  &(struct audit_entry){.who = who,
                                        .action = "create_ticket",
                                        .entity = "ticket",
                                        .entity_id = op->out->id,
                                        .after = db_str(&r, 0, TICKET_NCOLS)},
                  e) < 0)
        return -1;
    if (op->severity < 0)
        return 0;
    snprintf(cause, sizeof(cause), "ticket_new:%lld", (long long)op->out->id);
    return tell_staff(db, op->a, op->cfg, op->out->project_id, complaint_roles[op->severity],
                      op->out->id,
                      op->severity == 0   ? "投诉"
                      : op->severity == 1 ? "严重投诉"
                                          : "紧急投诉",
                      cause, e);
}

int ticket_create(struct db *db, const struct config *cfg, struct arena *a,
                  const struct principal *who, const struct ticket_in *in, struct ticket *out,
                  struct err *e)
{
    struct create_op op = {a, cfg, who, in, util_index_of(in->type, ticket_type_names), -1, "", out};
    int64_t sorted[TICKET_PHOTOS_MAX];
    size_t used = 0;
    int area = util_index_of(in->area, area_names);
    time_t now = time(NULL);

    /* what needs no database */
    if (op.type < 0)
        return err_bad_request(e, "type 只能是 repair、cleaning、security、complaint、suggestion "
                                  "或 other");
    if (area < 0)
        return err_bad_request(e, "area 只能是 private 或 public");
    if (in->severity) {
        op.severity = util_index_of(in->severity, ticket_severity_names);
        if (strcmp(in->type, "complaint") != 0)
            return err_bad_request(e, "只有投诉可以填写严重程度（severity）");
        if (op.severity < 0)
            return err_bad_request(e, "severity 只能是 normal、serious 或 critical");
    } else if (strcmp(in->type, "complaint") == 0) {
        op.severity = 0;
    }
    if (!in->description || !in->description[0])
        return err_bad_request(e, "缺少字段：description");
    if (in->has_appointment && (in->appointment_at < now - APPOINTMENT_PAST_S ||
                                in->appointment_at > now + APPOINTMENT_AHEAD_S))
        return err_bad_request(e, "预约时间须在现在到半年之内");
    for (size_t i = 0; i < in->nphotos; i++)
        for (size_t j = 0; j < i; j++)
            if (in->photos[i] == in->photos[j])
                return err_bad_request(e, "照片不能重复");
    if (in->nphotos > TICKET_PHOTOS_MAX)
        return err_bad_request(e, "照片最多 9 张");
    /* the photos as the lists show them, ascending */
    if (in->nphotos)
        memcpy(sorted, in->photos, in->nphotos * sizeof(*sorted));
    for (size_t i = 1; i < in->nphotos; i++)
        for (size_t j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
            int64_t x = sorted[j];
            sorted[j] = sorted[j - 1];
            sorted[j - 1] = x;
        }
    for (size_t i = 0; i < in->nphotos; i++)
        used += (size_t)snprintf(op.photos + used, sizeof(op.photos) - used, "%s%lld", i ? "," : "",
                                 (long long)sorted[i]);
    if (who->kind == SUBJECT_OWNER) {
        if (!in->resource_id || in->building_id || in->project_id)
            return err_bad_request(e, "缺少字段：resource_id");
    } else if (area == 0) {
        if (!in->resource_id || in->building_id || in->project_id)
            return err_bad_request(e, "报修自家（private）须填写 resource_id，且不填楼栋或项目");
    } else if (in->resource_id || !in->building_id == !in->project_id) {
        return err_bad_request(e, "公共区域（public）须填写 building_id 或 project_id 之一");
    }
    if (db_tx(db, create_tx, &op, e) < 0)
        return -1;
    out->history = arena_alloc(a, sizeof(*out->history));
    out->nhistory = 1;
    submission(&out->history[0], out);
    out->materials = arena_alloc(a, sizeof(*out->materials));
    out->nmaterials = 0;
    return 0;
}

/* ---- the steps --------------------------------------------------------------------- */

struct act_op {
    struct arena a;
    const struct config *cfg;
    const struct principal *who;
    int64_t id;
    enum ticket_action action;
    const struct ticket_act_in *in;
};

/* Index a closed ticket's words for the knowledge base. */
static int kb_index_tx(struct db *db, struct arena *a, int64_t id, int64_t project_id,
                       const char *description, const char *result, struct err *e)
{
    struct ticket t = {.id = id};
    const char **texts;
    size_t n = 0, count;
    char *json;
    int rc;

    if (load_materials(db, a, &t, e) < 0)
        return -1;
    texts = arena_alloc(a, (t.nmaterials + 2) * sizeof(*texts));
    texts[n++] = description;
    texts[n++] = result;
    for (size_t i = 0; i < t.nmaterials; i++)
        texts[n++] = t.materials[i].name;
    json = bigrams_json(texts, n, &count);
    if (!json)
        return err_internal(e);
    rc = count ? db_exec(db, &sql_kb_index, DB_ARGS(P_INT(project_id), P_INT(id), P_STR(json)),
                         NULL, e)
               : 0;
    cJSON_free(json);
    return rc;
}

/* The repair fee (TKT-4) as the home's bill, in the completion's
 * transaction: on the project's repair fee item (made on first use),
 * named by the ticket, which the bills' unique key keeps to one bill. */
static int charge_tx(struct db *db, struct act_op *op, int64_t project_id, int64_t resource_id,
                     struct err *e)
{
    struct bill_new b = {resource_id, 0, op->in->charge_fen, "repair", op->id, NULL};
    char note[48];
    int64_t bill_id;

    snprintf(note, sizeof(note), "维修工单 %lld", (long long)op->id);
    b.note = note;
    if (fee_item_repair_tx(db, &op->a, op->who, project_id, &b.fee_item_id, e) < 0)
        return -1;
    if (bill_create_tx(db, &op->a, op->who, &b, &bill_id, e) < 0)
        return err_map(e, E_DB_DUPLICATE, E_INVALID_TRANSITION);
    return 0;
}

static int act_tx(struct db *db, void *arg, struct err *e)
{
    struct act_op *op = arg;
    const struct ticket_act_in *in = op->in;
    const struct ticket_rule *rule = &ticket_rules[op->action];
    const struct principal *who = op->who;
    struct db_res r;
    enum ticket_status from, to;
    int64_t project_id, assignee, reporter_id, new_assignee = 0, event_id, resource_id;
    bool by_owner, rated, private_repair;
    const char *before, *result = NULL, *entered, *description, *stored_result;
    char cause[48];
    int found = db_one(db, &op->a, &sql_lock, DB_ARGS(P_INT(op->id)), &r, e);

    if (found <= 0)
        return found < 0 ? -1 : err_not_found(e);
    project_id = db_int(&r, 0, 0);
    if (ticket_status_from_name(db_text(&r, 0, 1), &from) < 0)
        return err_internal(e);
    assignee = db_int(&r, 0, 2);
    by_owner = db_int(&r, 0, 3) != 0;
    reporter_id = db_int(&r, 0, 4);
    private_repair =
        strcmp(db_text(&r, 0, 5), "repair") == 0 && strcmp(db_text(&r, 0, 6), "private") == 0;
    rated = db_int(&r, 0, 7) != 0;
    description = db_text(&r, 0, 8);
    stored_result = db_text(&r, 0, 9);
    resource_id = db_int(&r, 0, 10);
    /* scope, then the table: the state (409), then the role (403) */
    if (!ticket_may_see(who, project_id, by_owner, reporter_id))
        return err_not_found(e);
    if (ticket_check(op->action, from,
                     ticket_actor_of(who, project_id, assignee, by_owner, reporter_id), e) < 0)
        return -1;
    if (op->action == TICKET_RATE && rated)
        return err_setf(e, E_INVALID_TRANSITION, "该工单已评价过");
    /* what depends on the ticket */
    if (rule->needs & TICKET_NEEDS_ASSIGNEE) {
        found = db_one(db, &op->a, &sql_technician,
                       DB_ARGS(P_INT(project_id), P_INT(in->assignee_id)), &r, e);
        if (found < 0)
            return -1;
        if (!found)
            return err_bad_request(e, "assignee_id 不是本项目在职的维修人员");
        if (in->assignee_id == assignee)
            return err_bad_request(e, "改派对象与当前处理人相同");
        new_assignee = in->assignee_id;
    }
    if (op->action == TICKET_TAKE)
        new_assignee = who->id;
    if (in->has_charge && !private_repair)
        return err_bad_request(e, "只有户内报修（repair、private）可以收取维修费（charge_fen）");
    to = ticket_next(op->action, from);
    entered = to == from ? "" : ticket_status_name(to);
    if (rule->needs & TICKET_NEEDS_RESULT)
        result = in->result;
    if (audit_snapshot(db, &op->a, &sql_snap, op->id, &before, e) < 0 ||
        db_exec(db, &sql_step,
                DB_ARGS(P_STR(ticket_status_name(to)), P_INT(new_assignee), P_INT(new_assignee),
                        P_STR(result), in->has_charge ? P_INT(in->charge_fen) : P_NULL,
                        op->action == TICKET_VISIT ? P_INT(in->score) : P_NULL,
                        op->action == TICKET_VISIT ? P_STR(in->comment ? in->comment : "") : P_NULL,
                        op->action == TICKET_RATE ? P_INT(in->score) : P_NULL,
                        op->action == TICKET_RATE ? P_STR(in->comment ? in->comment : "") : P_NULL,
                        P_INT(op->action == TICKET_ESCALATE), P_STR(entered), P_STR(entered),
                        P_STR(entered), P_INT(op->id)),
                NULL, e) < 0)
        return -1;
    for (size_t i = 0; result && i < in->nmaterials; i++)
        if (db_insert(db, &sql_material_insert,
                      DB_ARGS(P_INT(op->id), P_STR(in->materials[i].name),
                              P_INT(in->materials[i].quantity), P_STR(in->materials[i].unit)),
                      NULL, e) < 0)
            return -1;
    if (event_tx(db, op->id, rule->name, ticket_status_name(from), ticket_status_name(to), who,
                 new_assignee, in->note, &event_id, e) < 0)
        return -1;
    {
        char action[32];
        snprintf(action, sizeof(action), "ticket_%s", rule->name);
        if (audit_change(db, &op->a,
                         &(struct audit_entry){.who = who,
                                               .action = action,
                                               .entity = "ticket",
                                               .entity_id = op->id,
                                               .before = before},
                         &sql_snap, e) < 0)
            return -1;
    }
    if (in->has_charge && charge_tx(db, op, project_id, resource_id, e) < 0)
        return -1;
    if ((rule->notify & TICKET_TELL_OWNER) && by_owner &&
        tell_owner(db, &op->a, op->cfg, project_id, op->id, reporter_id, to, event_id, e) < 0)
        return -1;
    snprintf(cause, sizeof(cause), "ticket:%lld", (long long)event_id);
    if ((rule->notify & TICKET_TELL_SUPERVISORS) &&
        tell_staff(db, &op->a, op->cfg, project_id, ROLE_SUPERVISOR, op->id, "升级", cause, e) < 0)
        return -1;
    /* a closed ticket joins the knowledge base, with the words its
     * locked row had (a closed ticket's text no longer changes) */
    if (to == TICKET_CLOSED && from != TICKET_CLOSED)
        return kb_index_tx(db, &op->a, op->id, project_id, description, stored_result, e);
    return 0;
}

int ticket_act(struct db *db, const struct config *cfg, const struct principal *who, int64_t id,
               enum ticket_action a, const struct ticket_act_in *in, struct err *e)
{
    const struct ticket_rule *rule;
    struct act_op op = {{0}, cfg, who, id, a, in};
    int rc;

    if ((unsigned)a >= TICKET_NACTIONS)
        return err_internal(e);
    rule = &ticket_rules[a];
    /* what the body must say, whatever the ticket */
    if ((rule->needs & TICKET_NEEDS_ASSIGNEE) && in->assignee_id <= 0)
        return err_bad_request(e, "缺少字段：assignee_id");
    if ((rule->needs & TICKET_NEEDS_RESULT) && (!in->result || !in->result[0]))
        return err_bad_request(e, "缺少字段：result");
    if ((rule->needs & TICKET_NEEDS_SCORE) && (in->score < 1 || in->score > 5))
        return err_bad_request(e, "score 须为 1 到 5 的整数");
    if (!(rule->needs & TICKET_NEEDS_RESULT) && (in->nmaterials || in->has_charge))
        return err_internal(e); /* the route admits no such fields */
    if (in->has_charge && (in->charge_fen <= 0 || in->charge_fen > MONEY_MAX_FEN))
        return err_bad_request(e, "charge_fen 须为正整数（分）");
    for (size_t i = 0; i < in->nmaterials; i++)
        if (in->materials[i].quantity < 1 || in->materials[i].quantity > TICKET_QUANTITY_MAX)
            return err_bad_request(e, "材料数量须为 1 到 100000 的整数");
    rc = db_tx(db, act_tx, &op, e);
    arena_free(&op.a);
    return rc;
}

/* ---- reading ----------------------------------------------------------------------- */

/* The ticket's row, for whoever may see it (404 for anyone else). */
static int read_visible(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                        struct ticket *out, struct err *e)
{
    struct db_res r;
    int found = db_one(db, a, &sql_get, DB_ARGS(P_INT(id)), &r, e);

    if (found < 0)
        return -1;
    if (!found)
        return err_not_found(e);
    ticket_from_row(a, &r, 0, out);
    if (!ticket_may_see(who, out->project_id, out->reported_by_owner, out->reporter_id))
        return err_not_found(e);
    return 0;
}

int ticket_get(struct db *db, struct arena *a, const struct principal *who, int64_t id,
               struct ticket *out, struct err *e)
{
    struct db_res r;

    if (read_visible(db, a, who, id, out, e) < 0)
        return -1;
    if (db_query(db, a, &sql_history, DB_ARGS(P_INT(id)), &r, e) < 0)
        return -1;
    out->history = arena_alloc(a, (r.nrows + 1) * sizeof(*out->history));
    out->nhistory = r.nrows + 1;
    submission(&out->history[0], out);
    for (size_t i = 0; i < r.nrows; i++) {
        struct ticket_event *x = &out->history[i + 1];
        x->action = db_text(&r, i, 0);
        x->status = db_text(&r, i, 1);
        x->by_kind = db_text(&r, i, 2);
        x->by_id = db_int(&r, i, 3);
        x->by_name = db_text(&r, i, 4);
        x->note = db_text(&r, i, 5);
        x->at = db_text(&r, i, 6);
    }
    if (out->has_charge) {
        struct bill b;
        int found = bill_of_ticket(db, a, id, &b, e);
        if (found < 0)
            return -1;
        out->has_bill = found > 0;
        if (found)
            out->bill = (struct ticket_bill){b.id, b.amount_fen, b.paid_fen, b.due_fen,
                                             bill_status_name(b.status)};
    }
    /* materials come with completion, and no step leads back from
     * completed: a ticket short of it has none (one query less for every
     * open ticket) */
    if (out->status != TICKET_COMPLETED && out->status != TICKET_CLOSED &&
        out->status != TICKET_VISITED) {
        out->materials = arena_alloc(a, sizeof(*out->materials));
        out->nmaterials = 0;
        return 0;
    }
    return load_materials(db, a, out, e);
}

static void page_end(struct ticket_page *out, int limit)
{
    /* one row more than asked tells whether there is a next page */
    out->next = 0;
    if (out->n > (size_t)limit) {
        out->n = (size_t)limit;
        out->next = out->items[limit - 1].id;
    }
}

#define FROM_NEWEST INT64_C(999999999999999)

int ticket_list_owner(struct db *db, struct arena *a, const struct principal *who,
                      int64_t before_id, int limit, struct ticket_page *out, struct err *e)
{
    struct db_res r;

    if (db_query(
            db, a, &sql_list_owner,
            DB_ARGS(P_INT(who->id), P_INT(before_id ? before_id : FROM_NEWEST), P_INT(limit + 1)),
            &r, e) < 0)
        return -1;
    tickets_from_rows(a, &r, out);
    page_end(out, limit);
    return 0;
}

void ticket_day_start_utc(int32_t day, char out[20])
{
    char d[11];

    fee_date_text(day - 1, d);
    snprintf(out, 20, "%s 16:00:00", d);
}

/* The list's period of creation: China days from..to as UTC bounds [lo, hi). */
static int period_utc(const char *from, const char *to, char lo[20], char hi[20], struct err *e)
{
    int32_t d0, d1;

    if (from && money_date_parse(from, strlen(from), &d0) < 0)
        return err_bad_request(e, "查询参数 from 应为真实存在的日期，格式 YYYY-MM-DD");
    if (to && money_date_parse(to, strlen(to), &d1) < 0)
        return err_bad_request(e, "查询参数 to 应为真实存在的日期，格式 YYYY-MM-DD");
    if (from && to && d0 > d1)
        return err_bad_request(e, "from 不能晚于 to");
    if (from)
        ticket_day_start_utc(d0, lo);
    if (to)
        ticket_day_start_utc(d1 + 1, hi);
    return 0;
}

int ticket_list_staff(struct db *db, struct arena *a, const struct principal *who,
                      const struct ticket_filter *f, int64_t before_id, int limit,
                      struct ticket_page *out, struct err *e)
{
    struct db_res r;
    const char *status = f->has_status ? ticket_status_name(f->status) : "";
    const char *type = f->type ? f->type : "";
    int64_t project = f->project_id;
    const char *projects = NULL;
    char lo[20] = "", hi[20] = ""; /* "": no bound */
    int rc;

    if (project && !auth_in_project(who, project))
        return err_not_found(e);
    if (f->type && util_index_of(f->type, ticket_type_names) < 0)
        return err_bad_request(e, "查询参数 type 只能是 repair、cleaning、security、complaint、"
                                  "suggestion 或 other");
    if (period_utc(f->from, f->to, lo, hi, e) < 0)
        return -1;
    if (!project && who->nprojects == 1)
        project = who->project_ids[0];
    if (!project) /* the session's projects (a read: the principal's copy serves) */
        projects = db_id_list_text(a, who->project_ids, who->nprojects);
#define FILTER_ARGS                                                                                \
    P_STR(status), P_STR(status), P_INT(f->assignee), P_INT(f->assignee), P_INT(f->assignee),      \
        P_STR(type), P_STR(type), P_INT(f->overdue), P_STR(lo), P_STR(lo), P_STR(hi), P_STR(hi),   \
        P_INT(before_id ? before_id : FROM_NEWEST), P_INT(limit + 1)
    rc = project
             ? db_query(db, a, &sql_list_project, DB_ARGS(P_INT(project), FILTER_ARGS), &r, e)
             : db_query(db, a, &sql_list_projects, DB_ARGS(P_STR(projects), FILTER_ARGS), &r, e);
#undef FILTER_ARGS
    if (rc < 0)
        return -1;
    tickets_from_rows(a, &r, out);
    page_end(out, limit);
    return 0;
}

int ticket_suggest(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                   struct ticket_candidate **out, size_t *n, struct err *e)
{
    struct db_res r;
    struct ticket t;

    if (read_visible(db, a, who, id, &t, e) < 0)
        return -1;
    if (!(ticket_actor_of(who, t.project_id, t.assignee_id, t.reported_by_owner, t.reporter_id) &
          TICKET_BY_DESK))
        return err_set(e, E_FORBIDDEN);
    if (db_query(db, a, &sql_suggest, DB_ARGS(P_INT(t.project_id), P_STR(t.type), P_STR(t.type)),
                 &r, e) < 0)
        return -1;
    *out = arena_alloc(a, (r.nrows ? r.nrows : 1) * sizeof(**out));
    *n = r.nrows;
    for (size_t i = 0; i < r.nrows; i++) {
        (*out)[i].id = db_int(&r, i, 0);
        (*out)[i].name = db_text(&r, i, 1);
        (*out)[i].skills = db_text(&r, i, 2);
        (*out)[i].open_load = db_int(&r, i, 3);
    }
    return 0;
}

int ticket_kb_search(struct db *db, struct arena *a, const struct principal *who, const char *q,
                     int64_t project_id, int limit, struct ticket **out, size_t *n, struct err *e)
{
    struct ticket_page pg;
    struct db_res r;
    size_t count;
    char *json;
    int rc;

    if (!q || utf8_chars(q, strlen(q)) < 2)
        return err_bad_request(e, "请输入至少两个字的关键词");
    if (project_id && !auth_in_project(who, project_id))
        return err_not_found(e);
    json = bigrams_json(&q, 1, &count);
    if (!json)
        return err_internal(e);
    if (!count) {
        cJSON_free(json);
        return err_bad_request(e, "关键词须含至少两个连续的字（标点和空格不算）");
    }
    rc = db_query(db, a, &sql_kb_search,
                  DB_ARGS(P_STR(json), P_INT(who->id), P_INT(project_id), P_INT(project_id),
                          P_INT(count), P_INT(limit)),
                  &r, e);
    cJSON_free(json);
    if (rc < 0)
        return -1;
    tickets_from_rows(a, &r, &pg);
    for (size_t i = 0; i < pg.n; i++)
        if (load_materials(db, a, &pg.items[i], e) < 0)
            return -1;
    *out = pg.items;
    *n = pg.n;
    return 0;
}

/* A project's closed tickets that are not in the knowledge base (made by
 * hand: the demo's), a batch at a time. */
DB_SQL(sql_kb_missing, "SELECT t.id, t.project_id, t.description, t.result FROM tickets t "
                       "WHERE t.project_id = ? AND t.id > ? AND t.status IN ('closed', 'visited') "
                       "AND NOT EXISTS "
                       "(SELECT 1 FROM ticket_kb_grams k WHERE k.ticket_id = t.id) "
                       "ORDER BY t.id LIMIT 500 FOR UPDATE");

struct kb_all_op {
    struct arena a;
    int64_t project_id;
    int64_t after, last; /* by id: a ticket without words is passed once */
    size_t batch;
};

static int kb_all_tx(struct db *db, void *arg, struct err *e)
{
    struct kb_all_op *op = arg;
    struct db_res r;

    if (db_query(db, &op->a, &sql_kb_missing, DB_ARGS(P_INT(op->project_id), P_INT(op->after)), &r,
                 e) < 0)
        return -1;
    op->batch = r.nrows;
    op->last = op->after;
    for (size_t i = 0; i < r.nrows; i++) {
        op->last = db_int(&r, i, 0);
        if (kb_index_tx(db, &op->a, op->last, db_int(&r, i, 1), db_text(&r, i, 2),
                        db_text(&r, i, 3), e) < 0)
            return -1;
    }
    return 0;
}

int ticket_kb_index_project(struct db *db, int64_t project_id, int64_t *indexed, struct err *e)
{
    struct kb_all_op op = {{0}, project_id, 0, 0, 0};
    int rc;

    *indexed = 0;
    do {
        rc = db_tx(db, kb_all_tx, &op, e);
        arena_reset(&op.a);
        if (rc == 0) {
            *indexed += (int64_t)op.batch;
            op.after = op.last;
        }
    } while (rc == 0 && op.batch == 500);
    arena_free(&op.a);
    return rc;
}

/* ---- the overdue job --------------------------------------------------------------- */

struct overdue_op {
    struct arena a;
    const struct config *cfg;
    int flagged;
};

static int overdue_tx(struct db *db, void *arg, struct err *e)
{
    struct overdue_op *op = arg;
    struct db_res due, r;

    op->flagged = 0;
    if (db_query(db, &op->a, &sql_overdue, DB_NOARGS, &due, e) < 0)
        return -1;
    for (size_t i = 0; i < due.nrows; i++) {
        int64_t id = db_int(&due, i, 0), project_id;
        bool response, complete;
        const char *before;
        char cause[64];
        int found = db_one(db, &op->a, &sql_overdue_lock, DB_ARGS(P_INT(id)), &r, e);

        if (found < 0)
            return -1;
        if (!found)
            continue; /* a step holds it */
        project_id = db_int(&r, 0, 0);
        response = db_int(&r, 0, 1) != 0;
        complete = db_int(&r, 0, 2) != 0;
        if (!response && !complete)
            continue; /* a step came first */

        if (audit_snapshot(db, &op->a, &sql_snap, id, &before, e) < 0 ||
            db_exec(db, &sql_flag, DB_ARGS(P_INT(response), P_INT(complete), P_INT(id)), NULL, e) <
                0 ||
            audit_change(db, &op->a,
                         &(struct audit_entry){.action = "ticket_overdue",
                                               .entity = "ticket",
                                               .entity_id = id,
                                               .before = before},
                         &sql_snap, e) < 0)
            return -1;
        /* each deadline is told once: the key names the ticket and the deadline */
        for (int k = 0; k < 2; k++) {
            if (!(k == 0 ? response : complete))
                continue;
            snprintf(cause, sizeof(cause), "ticket_overdue:%lld:%s", (long long)id,
                     k == 0 ? "response" : "complete");
            if (tell_staff(db, &op->a, op->cfg, project_id, ROLE_SUPERVISOR, id,
                           k == 0 ? "超时未受理" : "超时未完成", cause, e) < 0)
                return -1;
        }
        op->flagged++;
    }
    return 0;
}

int ticket_overdue_run(struct db *db, const struct config *cfg, int *flagged, struct err *e)
{
    struct overdue_op op = {{0}, cfg, 0};
    int rc = db_tx(db, overdue_tx, &op, e);

    arena_free(&op.a);
    *flagged = rc == 0 ? op.flagged : 0;
    return rc;
}
