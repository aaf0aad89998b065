/*
 * surveys.c — satisfaction surveys (see surveys.h; sql/013_notices.sql).
 *
 * Writes have notices.c's shape (lock, scope, state, snapshot, write,
 * audit, outbox, in one transaction), scheduled publishing too: the job
 * runs publish_tx() with by_schedule set (notices.c's comment). The
 * results are GROUP BYs over the answer rows (a row per chosen option, per
 * score, per text) folded into tallies by the pure functions at the top,
 * which the unit tests drive.
 */
#include "surveys.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "audit.h"
#include "core/util.h"
#include "core/json.h"
#include "notices.h"
#include "resources.h"

const char *const survey_kind_names[] = {"single", "multiple", "score", "text", NULL};
static const char *const status_names[] = {"draft", "published", "closed", NULL};


static size_t chars(const char *s)
{
    return s ? utf8_chars(s, strlen(s)) : 0;
}

/* ---- pure rules -------------------------------------------------------------------- */

static bool is_choice(enum survey_kind k)
{
    return k == SURVEY_SINGLE || k == SURVEY_MULTIPLE;
}

int survey_questions_check(const struct survey_question *q, size_t n, struct err *e)
{
    if (n < 1 || n > SURVEY_QUESTIONS_MAX)
        return err_bad_request(e, "questions 须为 1 到 30 道题");
    for (size_t i = 0; i < n; i++) {
        const struct survey_question *x = &q[i];
        long no = (long)(i + 1);
        if (x->no != (int64_t)(i + 1) || (unsigned)x->kind > SURVEY_TEXT)
            return err_internal(e); /* the caller numbers them */
        if (chars(x->title) < 1 || chars(x->title) > SURVEY_QUESTION_TITLE_MAX)
            return err_setf(e, E_BAD_REQUEST, "第 %ld 题：题目须为 1 到 200 个字", no);
        if (!is_choice(x->kind)) {
            if (x->noptions)
                return err_setf(e, E_BAD_REQUEST, "第 %ld 题：评分题和填空题没有选项", no);
            continue;
        }
        if (x->noptions < SURVEY_OPTIONS_MIN || x->noptions > SURVEY_OPTIONS_MAX)
            return err_setf(e, E_BAD_REQUEST, "第 %ld 题：选择题须有 2 到 10 个选项", no);
        for (size_t k = 0; k < x->noptions; k++) {
            if (chars(x->options[k]) < 1 || chars(x->options[k]) > SURVEY_OPTION_MAX)
                return err_setf(e, E_BAD_REQUEST, "第 %ld 题：选项须为 1 到 50 个字", no);
            for (size_t j = 0; j < k; j++)
                if (strcmp(x->options[j], x->options[k]) == 0)
                    return err_setf(e, E_BAD_REQUEST, "第 %ld 题：选项不能重复", no);
        }
    }
    return 0;
}

/* One answer against its question. */
static int answer_check(const struct survey_question *q, const struct survey_answer *a,
                        struct err *e)
{
    long no = (long)q->no;
    bool has_text = a->text != NULL;

    switch (q->kind) {
    case SURVEY_SINGLE:
    case SURVEY_MULTIPLE:
        if (a->has_score || has_text || !a->has_choices)
            return err_setf(e, E_BAD_REQUEST, "第 %ld 题是选择题，请用 choices 作答", no);
        if (q->kind == SURVEY_SINGLE ? a->nchoices != 1 : a->nchoices < 1)
            return err_setf(e, E_BAD_REQUEST,
                            q->kind == SURVEY_SINGLE ? "第 %ld 题是单选题，只能选一项"
                                                     : "第 %ld 题至少选一项",
                            no);
        for (size_t k = 0; k < a->nchoices; k++) {
            if (a->choices[k] < 1 || a->choices[k] > (int64_t)q->noptions)
                return err_setf(e, E_BAD_REQUEST, "第 %ld 题没有选项 %lld", no,
                                (long long)a->choices[k]);
            for (size_t j = 0; j < k; j++)
                if (a->choices[j] == a->choices[k])
                    return err_setf(e, E_BAD_REQUEST, "第 %ld 题的选项不能重复", no);
        }
        return 0;
    case SURVEY_SCORE:
        if (a->has_choices || has_text || !a->has_score)
            return err_setf(e, E_BAD_REQUEST, "第 %ld 题是评分题，请用 score 作答", no);
        if (a->score < SURVEY_SCORE_MIN || a->score > SURVEY_SCORE_MAX)
            return err_setf(e, E_BAD_REQUEST, "第 %ld 题的评分须为 1 到 5", no);
        return 0;
    case SURVEY_TEXT:
        if (a->has_choices || a->has_score || !has_text)
            return err_setf(e, E_BAD_REQUEST, "第 %ld 题是填空题，请用 text 作答", no);
        if (chars(a->text) < 1 || chars(a->text) > SURVEY_TEXT_MAX)
            return err_setf(e, E_BAD_REQUEST, "第 %ld 题的回答须为 1 到 500 个字", no);
        return 0;
    }
    return err_internal(e);
}

int survey_answers_check(const struct survey_question *q, size_t nq,
                         const struct survey_answer *a, size_t na, struct err *e)
{
    if (na < 1)
        return err_bad_request(e, "请至少回答一道题");
    if (na > nq)
        return err_bad_request(e, "回答的题数多于问卷的题数");
    for (size_t i = 0; i < na; i++) {
        if (a[i].question_no < 1 || a[i].question_no > (int64_t)nq)
            return err_setf(e, E_BAD_REQUEST, "问卷没有第 %lld 题", (long long)a[i].question_no);
        for (size_t j = 0; j < i; j++)
            if (a[j].question_no == a[i].question_no)
                return err_setf(e, E_BAD_REQUEST, "第 %lld 题回答了两次",
                                (long long)a[i].question_no);
        if (answer_check(&q[a[i].question_no - 1], &a[i], e) < 0)
            return -1;
    }
    for (size_t k = 0; k < nq; k++) {
        bool given = false;
        if (!q[k].required)
            continue;
        for (size_t i = 0; i < na && !given; i++)
            given = a[i].question_no == q[k].no;
        if (!given)
            return err_setf(e, E_BAD_REQUEST, "第 %lld 题为必答题", (long long)q[k].no);
    }
    return 0;
}

int64_t survey_avg_x100(int64_t sum, int64_t count)
{
    if (count <= 0)
        return 0;
    /* scores are 1..5 and counts those of one survey: no overflow */
    return (sum * 200 + count) / (2 * count);
}

struct survey_tally *survey_tally_new(struct arena *a, const struct survey_question *q, size_t nq)
{
    struct survey_tally *t = arena_alloc(a, (nq ? nq : 1) * sizeof(*t));

    for (size_t i = 0; i < nq; i++) {
        t[i].q = &q[i];
        t[i].option_counts =
            arena_alloc(a, (q[i].noptions ? q[i].noptions : 1) * sizeof(*t[i].option_counts));
    }
    return t;
}

void survey_tally_add(struct survey_tally *t, size_t nq, int64_t question_no, int64_t choice,
                      int64_t score, int64_t count)
{
    struct survey_tally *x;

    if (question_no < 1 || question_no > (int64_t)nq)
        return;
    x = &t[question_no - 1];
    if (choice >= 1 && choice <= (int64_t)x->q->noptions && is_choice(x->q->kind))
        x->option_counts[choice - 1] += count;
    if (score >= SURVEY_SCORE_MIN && score <= SURVEY_SCORE_MAX && x->q->kind == SURVEY_SCORE) {
        x->score_counts[score - 1] += count;
        x->score_sum += score * count;
    }
}

void survey_tally_finish(struct survey_tally *t, size_t nq)
{
    for (size_t i = 0; i < nq; i++) {
        int64_t n = 0;
        if (t[i].q->kind != SURVEY_SCORE)
            continue;
        for (int s = 0; s < SURVEY_SCORE_MAX; s++)
            n += t[i].score_counts[s];
        t[i].has_avg = n > 0;
        t[i].avg_score_x100 = survey_avg_x100(t[i].score_sum, n);
    }
}

/* ---- The SQL of this module -------------------------------------------------------- */

#define OPEN_NOW "(s.status = 'published' AND s.opens_at <= UTC_TIMESTAMP() " \
                 "AND s.closes_at > UTC_TIMESTAMP())"
#define FOR_OWNER                                                                                  \
    "EXISTS (SELECT 1 FROM person_resources pr JOIN resources r ON r.id = pr.resource_id "         \
    "WHERE pr.person_id = ? AND " PR_CURRENT("pr") " AND " NOTICE_AUDIENCE("s", "r") ")"

DB_SQL(sql_insert, "INSERT INTO surveys (project_id, building_ids, title, description, opens_at, "
                   "closes_at, publish_at, publish_by, created_by) VALUES (?, ?, ?, ?, "
                   "FROM_UNIXTIME(?), FROM_UNIXTIME(?), IF(? = 0, NULL, FROM_UNIXTIME(?)), "
                   "IF(? = 0, NULL, ?), ?)");
DB_SQL(sql_question_insert, "INSERT INTO survey_questions (survey_id, no, kind, title, required, "
                            "options) VALUES (?, ?, ?, ?, ?, ?)");
DB_SQL(sql_snap,
       "SELECT JSON_OBJECT('project_id', s.project_id, 'building_ids', s.building_ids, "
       "'title', s.title, 'description', s.description, 'opens_at', s.opens_at, "
       "'closes_at', s.closes_at, 'status', s.status, 'published_at', s.published_at, "
       "'closed_at', s.closed_at, 'publish_at', s.publish_at, 'publish_by', s.publish_by, "
       "'questions', (SELECT JSON_ARRAYAGG(JSON_OBJECT('no', q.no, "
       "'kind', q.kind, 'title', q.title, 'required', q.required, 'options', "
       "JSON_EXTRACT(q.options, '$')) ORDER BY q.no) FROM survey_questions q "
       "WHERE q.survey_id = s.id)) FROM surveys s WHERE s.id = ?");
/* 5..7: the schedule (due now, by whom, when), 8 closes_at in seconds */
DB_SQL(sql_lock, "SELECT s.project_id, s.status, s.closes_at <= UTC_TIMESTAMP(), s.title, "
                 "DATE_FORMAT(s.closes_at + INTERVAL 8 HOUR, '%Y-%m-%d %H:%i'), "
                 "IFNULL(s.publish_at <= UTC_TIMESTAMP(), 0), IFNULL(s.publish_by, 0), "
                 "s.publish_at, UNIX_TIMESTAMP(s.closes_at) FROM surveys s WHERE s.id = ? "
                 "FOR UPDATE");
DB_SQL(sql_publish, "UPDATE surveys SET status = 'published', published_at = UTC_TIMESTAMP(), "
                    "publish_at = NULL, publish_by = NULL WHERE id = ?");
DB_SQL(sql_schedule, "UPDATE surveys SET publish_at = IF(? = 1, NULL, FROM_UNIXTIME(?)), "
                     "publish_by = IF(? = 1, NULL, ?) WHERE id = ?");
/* The job's scan: one range of ix_surveys_due (status, publish_at). */
DB_SQL(sql_due, "SELECT id FROM surveys WHERE status = 'draft' AND publish_at <= UTC_TIMESTAMP() "
                "ORDER BY publish_at, id LIMIT ?");
DB_SQL(sql_close,
       "UPDATE surveys SET status = 'closed', closed_at = UTC_TIMESTAMP() WHERE id = ?");
DB_SQL(sql_audience_wechat,
       "SELECT DISTINCT p.id, p.openid FROM surveys s JOIN resources r ON " NOTICE_AUDIENCE(
           "s", "r") " JOIN person_resources pr ON pr.resource_id = r.id AND " PR_CURRENT("pr")
                     " JOIN persons p ON p.id = pr.person_id WHERE s.id = ? "
                     "AND p.openid IS NOT NULL ORDER BY p.id");

/* A survey's columns in the order of survey_from_row(); A: the owner's
 * answered flag (or 0). */
#define SURVEY_COLS(A)                                                                             \
    "s.id, s.project_id, s.building_ids, s.title, s.description, s.status, s.opens_at, "           \
    "s.closes_at, s.created_at, s.published_at, s.closed_at, " OPEN_NOW ", " A ", "                \
    "(SELECT COUNT(*) FROM survey_responses sr WHERE sr.survey_id = s.id), s.publish_at "
#define ANSWERED                                                                                   \
    "EXISTS (SELECT 1 FROM survey_responses sr WHERE sr.survey_id = s.id AND sr.person_id = ?)"
DB_SQL(sql_list_owner, "SELECT " SURVEY_COLS(ANSWERED) "FROM surveys s WHERE " OPEN_NOW
                       " AND s.id < ? AND s.project_id IN (SELECT r.project_id "
                       "FROM person_resources pr JOIN resources r ON r.id = pr.resource_id "
                       "WHERE pr.person_id = ? AND " PR_CURRENT("pr") ") AND " FOR_OWNER
                       " ORDER BY s.id DESC LIMIT ?");
DB_SQL(sql_get_owner, "SELECT " SURVEY_COLS(ANSWERED) "FROM surveys s WHERE s.id = ? "
                      "AND s.status IN ('published', 'closed') AND " FOR_OWNER);
DB_SQL(sql_get, "SELECT " SURVEY_COLS("0") "FROM surveys s WHERE s.id = ?");
DB_SQL(sql_list_project, "SELECT " SURVEY_COLS("0") "FROM surveys s WHERE s.project_id = ? "
                         "AND (? = '' OR s.status = ?) AND s.id < ? ORDER BY s.id DESC LIMIT ?");
DB_SQL(sql_questions, "SELECT no, kind, title, required, options FROM survey_questions "
                      "WHERE survey_id = ? ORDER BY no");
/* The survey an owner answers: open, theirs (shared lock: a close waits). */
DB_SQL(sql_answer_lock, "SELECT " OPEN_NOW ", " FOR_OWNER " FROM surveys s "
                        "WHERE s.id = ? AND s.status <> 'draft' LOCK IN SHARE MODE");
DB_SQL(sql_answered,
       "SELECT id FROM survey_responses WHERE survey_id = ? AND person_id = ? FOR UPDATE");
DB_SQL(sql_response_insert, "INSERT INTO survey_responses (survey_id, person_id) VALUES (?, ?)");
DB_SQL(sql_answer_insert, "INSERT INTO survey_answers (response_id, survey_id, question_no, "
                          "choice, score, text) VALUES (?, ?, ?, ?, ?, ?)");
DB_SQL(sql_response_snap,
       "SELECT JSON_OBJECT('survey_id', sr.survey_id, 'person_id', sr.person_id, 'answers', "
       "(SELECT JSON_ARRAYAGG(JSON_OBJECT('question_no', a.question_no, 'choice', a.choice, "
       "'score', a.score, 'text', a.text) ORDER BY a.id) FROM survey_answers a "
       "WHERE a.response_id = sr.id)) FROM survey_responses sr WHERE sr.id = ?");
/* The results. */
DB_SQL(sql_counts, "SELECT question_no, COALESCE(choice, 0), COALESCE(score, 0), COUNT(*) "
                   "FROM survey_answers WHERE survey_id = ? AND text IS NULL "
                   "GROUP BY question_no, choice, score");
DB_SQL(sql_answered_per_question,
       "SELECT question_no, COUNT(DISTINCT response_id) FROM survey_answers "
       "WHERE survey_id = ? GROUP BY question_no");
DB_SQL(sql_texts, "SELECT a.id, a.question_no, a.text, r.created_at FROM survey_answers a "
                  "JOIN survey_responses r ON r.id = a.response_id WHERE a.survey_id = ? "
                  "AND a.text IS NOT NULL AND (? = 0 OR a.question_no = ?) AND a.id > ? "
                  "ORDER BY a.id LIMIT ?");

/* ---- rows -------------------------------------------------------------------------- */

static void survey_from_row(const struct db_res *r, size_t i, struct survey *s)
{
    memset(s, 0, sizeof(*s));
    s->id = db_int(r, i, 0);
    s->project_id = db_int(r, i, 1);
    s->building_ids = db_text(r, i, 2);
    s->title = db_text(r, i, 3);
    s->description = db_text(r, i, 4);
    s->status = db_text(r, i, 5);
    s->opens_at = db_text(r, i, 6);
    s->closes_at = db_text(r, i, 7);
    s->created_at = db_text(r, i, 8);
    s->published_at = db_str(r, i, 9);
    s->closed_at = db_str(r, i, 10);
    s->open = db_int(r, i, 11) != 0;
    s->answered = db_int(r, i, 12) != 0;
    s->responses = db_int(r, i, 13);
    s->publish_at = db_str(r, i, 14);
}

static void page_of(struct arena *a, const struct db_res *r, int limit, struct survey_page *out)
{
    out->n = r->nrows > (size_t)limit ? (size_t)limit : r->nrows;
    out->items = arena_alloc(a, (out->n ? out->n : 1) * sizeof(*out->items));
    for (size_t i = 0; i < out->n; i++)
        survey_from_row(r, i, &out->items[i]);
    out->next = r->nrows > (size_t)limit ? out->items[limit - 1].id : 0;
}

/* The questions of s (their options copied out of the stored JSON). */
static int load_questions(struct db *db, struct arena *a, struct survey *s, struct err *e)
{
    struct db_res r;

    if (db_query(db, a, &sql_questions, DB_ARGS(P_INT(s->id)), &r, e) < 0)
        return -1;
    s->nquestions = r.nrows;
    s->questions = arena_alloc(a, (r.nrows ? r.nrows : 1) * sizeof(*s->questions));
    for (size_t i = 0; i < r.nrows; i++) {
        struct survey_question *q = &s->questions[i];
        cJSON *opts = cJSON_Parse(db_text(&r, i, 4)), *o;
        const char **list;
        size_t n = 0;
        int kind = util_index_of(db_text(&r, i, 1), survey_kind_names);

        if (!cJSON_IsArray(opts) || kind < 0) {
            cJSON_Delete(opts);
            return err_internal(e);
        }
        q->no = db_int(&r, i, 0);
        q->kind = (enum survey_kind)kind;
        q->title = db_text(&r, i, 2);
        q->required = db_int(&r, i, 3) != 0;
        list = arena_alloc(a, ((size_t)cJSON_GetArraySize(opts) + 1) * sizeof(*list));
        cJSON_ArrayForEach(o, opts)
        {
            if (cJSON_IsString(o))
                list[n++] = arena_strdup(a, o->valuestring);
        }
        cJSON_Delete(opts);
        q->options = list;
        q->noptions = n;
    }
    return 0;
}

/* ---- writes ------------------------------------------------------------------------ */

struct write_op {
    struct arena a;
    const struct config *cfg;
    const struct principal *who;
    int64_t project_id, id;
    const struct survey_in *in;
    char buildings[NOTICE_AUDIENCE_TEXT_MAX];
    const struct survey_answer *answers;
    size_t nanswers;
    bool clear; /* survey_schedule(): remove it */
    time_t publish_at;
    /* a publication by the schedule, as notices.c's write_op */
    bool by_schedule;
    struct principal scheduler;
    const char *context;
    enum notice_due_outcome outcome;
};

/* The options of a question as stored: a JSON array (cJSON's text, to free). */
static char *options_json(const struct survey_question *q)
{
    cJSON *arr = cJSON_CreateArray();
    char *text;

    for (size_t k = 0; k < q->noptions; k++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(q->options[k]));
    text = cJSON_PrintUnformatted(arr);
    cJSON_Delete(arr);
    return text;
}

static int create_tx(struct db *db, void *arg, struct err *e)
{
    struct write_op *op = arg;
    const struct survey_in *in = op->in;

    arena_reset(&op->a);
    if (notice_audience_tx(db, &op->a, op->who, op->project_id, op->buildings, in->nbuildings,
                           e) < 0)
        return -1;
    if (db_insert(db, &sql_insert,
                  DB_ARGS(P_INT(op->project_id), P_STR(op->buildings), P_STR(in->title),
                          P_STR(in->description ? in->description : ""),
                          P_INT((int64_t)in->opens_at), P_INT((int64_t)in->closes_at),
                          P_INT(in->has_publish), P_INT((int64_t)in->publish_at),
                          P_INT(in->has_publish), P_INT(op->who->id), P_INT(op->who->id)),
                  &op->id, e) < 0)
        return -1;
    for (size_t i = 0; i < in->nquestions; i++) {
        const struct survey_question *q = &in->questions[i];
        char *opts = options_json(q);
        int rc;
        if (!opts)
            return err_internal(e);
        rc = db_exec(db, &sql_question_insert,
                     DB_ARGS(P_INT(op->id), P_INT(q->no), P_STR(survey_kind_names[q->kind]),
                             P_STR(q->title), P_INT(q->required), P_STR(opts)),
                     NULL, e);
        cJSON_free(opts);
        if (rc < 0)
            return -1;
    }
    return audit_change(db, &op->a,
                        &(struct audit_entry){.who = op->who,
                                              .action = "create_survey",
                                              .entity = "survey",
                                              .entity_id = op->id},
                        &sql_snap, e);
}

int survey_create(struct db *db, const struct principal *who, int64_t project_id,
                  const struct survey_in *in, int64_t *id, struct err *e)
{
    struct write_op op = {.who = who, .project_id = project_id, .in = in};
    int rc;

    if (chars(in->title) < 1 || chars(in->title) > SURVEY_TITLE_MAX)
        return err_bad_request(e, "title 须为 1 到 100 个字");
    if (chars(in->description) > SURVEY_DESCRIPTION_MAX)
        return err_bad_request(e, "description 最多 1000 个字");
    if (in->opens_at >= in->closes_at)
        return err_bad_request(e, "opens_at 须早于 closes_at");
    if (in->closes_at <= time(NULL))
        return err_bad_request(e, "closes_at 须晚于现在");
    if (in->has_publish &&
        notice_publish_at_check(in->publish_at, time(NULL), in->closes_at, "closes_at", e) < 0)
        return -1;
    if (notice_audience_text(in->building_ids, in->nbuildings, op.buildings, e) < 0 ||
        survey_questions_check(in->questions, in->nquestions, e) < 0)
        return -1;
    rc = db_tx(db, create_tx, &op, e);
    arena_free(&op.a);
    if (rc == 0)
        *id = op.id;
    return rc;
}

/* Lock survey op->id, decide scope (404), snapshot it: the common start of
 * publishing and closing. */
static int lock_tx(struct db *db, struct write_op *op, struct db_res *r, const char **before,
                   struct err *e)
{
    int found;

    arena_reset(&op->a);
    found = db_one(db, &op->a, &sql_lock, DB_ARGS(P_INT(op->id)), r, e);
    if (found < 0)
        return -1;
    /* the schedule's scope is its scheduler's, decided after the lock */
    if (!found || (!op->by_schedule && !auth_in_project(op->who, db_int(r, 0, 0))))
        return err_not_found(e);
    op->project_id = db_int(r, 0, 0);
    return audit_snapshot(db, &op->a, &sql_snap, op->id, before, e);
}

static int audited_tx(struct db *db, struct write_op *op, const char *action, const char *before,
                      struct err *e)
{
    return audit_change(db, &op->a,
                        &(struct audit_entry){.who = op->who,
                                              .action = action,
                                              .entity = "survey",
                                              .entity_id = op->id,
                                              .before = before,
                                              .context = op->context},
                        &sql_snap, e);
}

/* The schedule's checks on the locked row r (notices.c's due_tx()): 1 to
 * publish it as its scheduler, 0 when it is no longer a due draft or its
 * schedule had to be cleared. */
static int due_tx(struct db *db, struct write_op *op, const struct db_res *r, const char *before,
                  struct err *e)
{
    const char *why;

    op->outcome = NOTICE_DUE_NONE;
    op->who = NULL;
    op->context = NULL;
    if (strcmp(db_text(r, 0, 1), "draft") != 0 || !db_int(r, 0, 5))
        return 0;
    if (notice_scheduler_tx(db, &op->a, db_int(r, 0, 6), op->project_id, &op->scheduler, &why,
                            e) < 0)
        return -1;
    if (!why && db_int(r, 0, 2))
        why = "问卷已过截止时间";
    op->context = notice_schedule_context(&op->a, db_str(r, 0, 7), why);
    if (!op->context)
        return err_internal(e);
    if (!why) {
        op->who = &op->scheduler;
        return 1;
    }
    if (db_exec(db, &sql_schedule, DB_ARGS(P_INT(1), P_INT(0), P_INT(1), P_INT(0), P_INT(op->id)),
                NULL, e) < 0 ||
        audited_tx(db, op, "unschedule_survey", before, e) < 0)
        return -1;
    op->outcome = NOTICE_DUE_CLEARED;
    return 0;
}

static int publish_tx(struct db *db, void *arg, struct err *e)
{
    struct write_op *op = arg;
    struct db_res r, people;
    const char *before;
    char stem[48];
    int go;

    if (lock_tx(db, op, &r, &before, e) < 0)
        return -1;
    if (op->by_schedule && (go = due_tx(db, op, &r, before, e)) <= 0)
        return go;
    if (strcmp(db_text(&r, 0, 1), "draft") != 0)
        return err_set(e, E_SURVEY_NOT_DRAFT);
    if (db_int(&r, 0, 2))
        return err_set(e, E_SURVEY_NOT_OPEN);
    if (db_exec(db, &sql_publish, DB_ARGS(P_INT(op->id)), NULL, e) < 0 ||
        audited_tx(db, op, "publish_survey", before, e) < 0)
        return -1;
    op->outcome = NOTICE_DUE_PUBLISHED;
    if (!op->cfg->wechat_template_survey[0])
        return 0;
    if (db_query(db, &op->a, &sql_audience_wechat, DB_ARGS(P_INT(op->id)), &people, e) < 0)
        return -1;
    snprintf(stem, sizeof(stem), "survey:%lld", (long long)op->id);
    return notice_queue_wechat(db, &op->a, db_int(&r, 0, 0), &people, stem,
                               op->cfg->wechat_template_survey, db_text(&r, 0, 3),
                               db_text(&r, 0, 4), e);
}

static int close_tx(struct db *db, void *arg, struct err *e)
{
    struct write_op *op = arg;
    struct db_res r;
    const char *before;

    if (lock_tx(db, op, &r, &before, e) < 0)
        return -1;
    if (strcmp(db_text(&r, 0, 1), "published") != 0)
        return err_set(e, E_SURVEY_NOT_PUBLISHED);
    if (db_exec(db, &sql_close, DB_ARGS(P_INT(op->id)), NULL, e) < 0)
        return -1;
    return audited_tx(db, op, "close_survey", before, e);
}

static int schedule_tx(struct db *db, void *arg, struct err *e)
{
    struct write_op *op = arg;
    struct db_res r;
    const char *before;

    if (lock_tx(db, op, &r, &before, e) < 0)
        return -1;
    if (strcmp(db_text(&r, 0, 1), "draft") != 0)
        return err_set(e, E_SURVEY_NOT_DRAFT);
    if (!op->clear &&
        notice_publish_at_check(op->publish_at, time(NULL), (time_t)db_int(&r, 0, 8), "closes_at",
                                e) < 0)
        return -1;
    if (db_exec(db, &sql_schedule,
                DB_ARGS(P_INT(op->clear), P_INT((int64_t)op->publish_at), P_INT(op->clear),
                        P_INT(op->who->id), P_INT(op->id)),
                NULL, e) < 0)
        return -1;
    return audited_tx(db, op, "update_survey", before, e);
}

static int run(struct db *db, int (*fn)(struct db *, void *, struct err *), struct write_op *op,
               struct err *e)
{
    int rc = db_tx(db, fn, op, e);

    arena_free(&op->a);
    return rc;
}

int survey_publish(struct db *db, const struct config *cfg, const struct principal *who,
                   int64_t id, struct err *e)
{
    struct write_op op = {.cfg = cfg, .who = who, .id = id};

    return run(db, publish_tx, &op, e);
}

int survey_close(struct db *db, const struct principal *who, int64_t id, struct err *e)
{
    struct write_op op = {.who = who, .id = id};

    return run(db, close_tx, &op, e);
}

int survey_schedule(struct db *db, const struct principal *who, int64_t id, bool clear,
                    time_t publish_at, struct err *e)
{
    struct write_op op = {.who = who, .id = id, .clear = clear, .publish_at = publish_at};

    /* "later than now" needs no row: a 400 before any lock */
    if (!clear && notice_publish_at_check(publish_at, time(NULL), 0, "closes_at", e) < 0)
        return -1;
    return run(db, schedule_tx, &op, e);
}

int survey_publish_due(struct db *db, const struct config *cfg, int64_t id,
                       enum notice_due_outcome *out, struct err *e)
{
    struct write_op op = {.cfg = cfg, .id = id, .by_schedule = true};
    int rc = run(db, publish_tx, &op, e);

    *out = rc == 0 ? op.outcome : NOTICE_DUE_NONE;
    return rc;
}

int survey_publish_scheduled(struct db *db, const struct config *cfg,
                             struct notice_due_counts *n, struct err *e)
{
    return notice_due_run(db, &sql_due, survey_publish_due, cfg, n, e);
}

static int answer_tx(struct db *db, void *arg, struct err *e)
{
    struct write_op *op = arg;
    struct survey s = {.id = op->id};
    struct db_res r;
    int64_t response;
    int found;

    arena_reset(&op->a);
    found = db_one(db, &op->a, &sql_answer_lock, DB_ARGS(P_INT(op->who->id), P_INT(op->id)), &r,
                   e);
    if (found < 0)
        return -1;
    if (!found || !db_int(&r, 0, 1))
        return err_not_found(e);
    if (!db_int(&r, 0, 0))
        return err_set(e, E_SURVEY_NOT_OPEN);
    found = db_one(db, &op->a, &sql_answered, DB_ARGS(P_INT(op->id), P_INT(op->who->id)), &r, e);
    if (found < 0)
        return -1;
    if (found)
        return err_set(e, E_SURVEY_ANSWERED);
    if (load_questions(db, &op->a, &s, e) < 0 ||
        survey_answers_check(s.questions, s.nquestions, op->answers, op->nanswers, e) < 0)
        return -1;
    if (db_insert(db, &sql_response_insert, DB_ARGS(P_INT(op->id), P_INT(op->who->id)),
                  &response, e) < 0)
        return err_map(e, E_DB_DUPLICATE, E_SURVEY_ANSWERED);
    for (size_t i = 0; i < op->nanswers; i++) {
        const struct survey_answer *x = &op->answers[i];
        size_t rows = x->has_choices ? x->nchoices : 1;
        for (size_t k = 0; k < rows; k++)
            if (db_exec(db, &sql_answer_insert,
                        DB_ARGS(P_INT(response), P_INT(op->id), P_INT(x->question_no),
                                x->has_choices ? P_INT(x->choices[k]) : P_NULL,
                                x->has_score ? P_INT(x->score) : P_NULL, P_STR(x->text)),
                        NULL, e) < 0)
                return -1;
    }
    return audit_change(db, &op->a,
                        &(struct audit_entry){.who = op->who,
                                              .action = "answer_survey",
                                              .entity = "survey_response",
                                              .entity_id = response},
                        &sql_response_snap, e);
}

int survey_answer(struct db *db, const struct principal *who, int64_t id,
                  const struct survey_answer *answers, size_t n, struct err *e)
{
    struct write_op op = {.who = who, .id = id, .answers = answers, .nanswers = n};

    return run(db, answer_tx, &op, e);
}

/* ---- reads ------------------------------------------------------------------------- */

#define FROM_NEWEST INT64_C(999999999999999)

int survey_list_owner(struct db *db, struct arena *a, const struct principal *who,
                      int64_t before, int limit, struct survey_page *out, struct err *e)
{
    struct db_res r;

    if (db_query(db, a, &sql_list_owner,
                 DB_ARGS(P_INT(who->id), P_INT(before ? before : FROM_NEWEST), P_INT(who->id),
                         P_INT(who->id), P_INT(limit + 1)),
                 &r, e) < 0)
        return -1;
    page_of(a, &r, limit, out);
    return 0;
}

int survey_get_owner(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                     struct survey *out, struct err *e)
{
    struct db_res r;
    int found = db_one(db, a, &sql_get_owner, DB_ARGS(P_INT(who->id), P_INT(id), P_INT(who->id)),
                       &r, e);

    if (found < 0)
        return -1;
    if (!found)
        return err_not_found(e);
    survey_from_row(&r, 0, out);
    return load_questions(db, a, out, e);
}

int survey_list_project(struct db *db, struct arena *a, const struct principal *who,
                        int64_t project_id, const char *status, int64_t before, int limit,
                        struct survey_page *out, struct err *e)
{
    struct db_res r;

    if (status && util_index_of(status, status_names) < 0)
        return err_bad_request(e, "查询参数 status 只能是 draft、published 或 closed");
    if (!auth_in_project(who, project_id))
        return err_not_found(e);
    if (!status)
        status = "";
    if (db_query(db, a, &sql_list_project,
                 DB_ARGS(P_INT(project_id), P_STR(status), P_STR(status),
                         P_INT(before ? before : FROM_NEWEST), P_INT(limit + 1)),
                 &r, e) < 0)
        return -1;
    page_of(a, &r, limit, out);
    return 0;
}

/* The survey, for staff of its project (404 for anyone else). */
static int read_visible(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                        struct survey *out, struct err *e)
{
    struct db_res r;
    int found = db_one(db, a, &sql_get, DB_ARGS(P_INT(id)), &r, e);

    if (found < 0)
        return -1;
    if (!found)
        return err_not_found(e);
    survey_from_row(&r, 0, out);
    if (!auth_in_project(who, out->project_id))
        return err_not_found(e);
    return 0;
}

int survey_get(struct db *db, struct arena *a, const struct principal *who, int64_t id,
               struct survey *out, struct err *e)
{
    if (read_visible(db, a, who, id, out, e) < 0)
        return -1;
    return load_questions(db, a, out, e);
}

int survey_results(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                   struct survey *out, struct survey_tally **tallies, struct err *e)
{
    struct db_res r;
    struct survey_tally *t;

    if (survey_get(db, a, who, id, out, e) < 0 ||
        db_query(db, a, &sql_counts, DB_ARGS(P_INT(id)), &r, e) < 0)
        return -1;
    t = survey_tally_new(a, out->questions, out->nquestions);
    for (size_t i = 0; i < r.nrows; i++)
        survey_tally_add(t, out->nquestions, db_int(&r, i, 0), db_int(&r, i, 1), db_int(&r, i, 2),
                         db_int(&r, i, 3));
    survey_tally_finish(t, out->nquestions);
    if (db_query(db, a, &sql_answered_per_question, DB_ARGS(P_INT(id)), &r, e) < 0)
        return -1;
    for (size_t i = 0; i < r.nrows; i++) {
        int64_t no = db_int(&r, i, 0);
        if (no >= 1 && no <= (int64_t)out->nquestions)
            t[no - 1].answered = db_int(&r, i, 1);
    }
    *tallies = t;
    return 0;
}

int survey_texts(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                 int64_t question_no, int64_t after, int limit, struct survey_text **out,
                 size_t *n, int64_t *next, struct err *e)
{
    struct survey s;
    struct db_res r;

    if (read_visible(db, a, who, id, &s, e) < 0)
        return -1;
    if (db_query(db, a, &sql_texts,
                 DB_ARGS(P_INT(id), P_INT(question_no), P_INT(question_no), P_INT(after),
                         P_INT(limit + 1)),
                 &r, e) < 0)
        return -1;
    *n = r.nrows > (size_t)limit ? (size_t)limit : r.nrows;
    *out = arena_alloc(a, (*n ? *n : 1) * sizeof(**out));
    for (size_t i = 0; i < *n; i++) {
        (*out)[i].id = db_int(&r, i, 0);
        (*out)[i].question_no = db_int(&r, i, 1);
        (*out)[i].text = db_text(&r, i, 2);
        (*out)[i].at = db_text(&r, i, 3);
    }
    *next = r.nrows > (size_t)limit ? (*out)[limit - 1].id : 0;
    return 0;
}

/* ---- the files --------------------------------------------------------------------- */

static const struct rt_col option_cols[] = {
    {"question_no", "题号", RT_INT, 0},
    {"question", "题目", RT_TEXT, 0},
    {"option_no", "选项号", RT_INT, 0},
    {"option", "选项", RT_TEXT, 0},
    {"count", "人数", RT_INT, 0},
};
static const struct rt_col score_cols[] = {
    {"question_no", "题号", RT_INT, 0}, {"question", "题目", RT_TEXT, 0},
    {"answered", "作答人数", RT_INT, 0}, {"score_1", "1分", RT_INT, 0},
    {"score_2", "2分", RT_INT, 0},      {"score_3", "3分", RT_INT, 0},
    {"score_4", "4分", RT_INT, 0},      {"score_5", "5分", RT_INT, 0},
    {"avg_score_x100", "平均分×100", RT_INT, 0},
};
static const struct rt_col text_cols[] = {
    {"question_no", "题号", RT_INT, 0},
    {"question", "题目", RT_TEXT, 0},
    {"text", "回答", RT_TEXT, 0},
};

#define EXPORT_TEXTS_PAGE 1000

int survey_report(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                  struct report *rep, struct err *e)
{
    struct survey s;
    struct survey_tally *t;
    struct rt_section *opts, *scores, *texts;
    int64_t after = 0;

    if (survey_results(db, a, who, id, &s, &t, e) < 0)
        return -1;
    report_init(rep, a, "survey", "问卷结果");
    rt_meta_text(rep, "title", "问卷", s.title);
    rt_meta_num(rep, "responses", "答卷数", RT_INT, s.responses);
    opts = report_section(rep, "options", "选择题", option_cols,
                          sizeof(option_cols) / sizeof(option_cols[0]));
    scores = report_section(rep, "scores", "评分题", score_cols,
                            sizeof(score_cols) / sizeof(score_cols[0]));
    texts =
        report_section(rep, "texts", "填空题", text_cols, sizeof(text_cols) / sizeof(text_cols[0]));
    for (size_t i = 0; i < s.nquestions; i++) {
        const struct survey_question *q = &s.questions[i];
        if (is_choice(q->kind)) {
            for (size_t k = 0; k < q->noptions; k++) {
                struct rt_cell *row = rt_row(rep, opts);
                rt_int(&row[0], q->no);
                rt_text(rep, &row[1], q->title);
                rt_int(&row[2], (int64_t)k + 1);
                rt_text(rep, &row[3], q->options[k]);
                rt_int(&row[4], t[i].option_counts[k]);
            }
        } else if (q->kind == SURVEY_SCORE) {
            struct rt_cell *row = rt_row(rep, scores);
            rt_int(&row[0], q->no);
            rt_text(rep, &row[1], q->title);
            rt_int(&row[2], t[i].answered);
            for (int k = 0; k < SURVEY_SCORE_MAX; k++)
                rt_int(&row[3 + k], t[i].score_counts[k]);
            if (t[i].has_avg)
                rt_int(&row[8], t[i].avg_score_x100);
        }
    }
    /* every text, a page at a time */
    for (;;) {
        struct survey_text *x;
        size_t n;
        int64_t next;
        if (survey_texts(db, a, who, id, 0, after, EXPORT_TEXTS_PAGE, &x, &n, &next, e) < 0)
            return -1;
        for (size_t i = 0; i < n; i++) {
            struct rt_cell *row = rt_row(rep, texts);
            rt_int(&row[0], x[i].question_no);
            rt_text(rep, &row[1], s.questions[x[i].question_no - 1].title);
            rt_text(rep, &row[2], x[i].text);
        }
        if (!next)
            break;
        after = next;
    }
    return 0;
}
