/*
 * surveys.h — satisfaction surveys to owners with aggregated results
 * (NTC-4; sql/013_notices.sql, docs/notices.md).
 *
 * The office makes a survey (its questions fixed with it) for a project or
 * chosen buildings (the audience rule of notices.h), publishes it (a
 * WeChat message to the audience, as a notice) and closes it. An owner of
 * the audience answers once per person while it is open (published and
 * opens_at <= now < closes_at). The results are counts: per option, per
 * score (and the average as an integer ×100, rounded half up), and the
 * free texts a page at a time; the same figures export as CSV or XLSX
 * (report_table.h).
 *
 * An answer is one transaction: the survey row under a shared lock (so a
 * close waits for it, and it for a close), the audience (404), the state
 * (409 SURVEY_NOT_OPEN), an earlier response (409 SURVEY_ANSWERED; the
 * unique key decides two at once), the answers against the questions
 * (400), then the response, its answer rows and its audit row.
 *
 * The question and answer rules and the arithmetic of the results are
 * pure functions here (tests/unit/test_notices.c).
 */
#ifndef WUYE_SURVEYS_H
#define WUYE_SURVEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "auth.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/err.h"
#include "db/db.h"
#include "notices.h"
#include "report_table.h"

/* Limits (docs/api.md §7.18). */
#define SURVEY_TITLE_MAX 100 /* characters */
#define SURVEY_DESCRIPTION_MAX 1000
#define SURVEY_QUESTIONS_MAX 30
#define SURVEY_QUESTION_TITLE_MAX 200
#define SURVEY_OPTIONS_MIN 2
#define SURVEY_OPTIONS_MAX 10
#define SURVEY_OPTION_MAX 50
#define SURVEY_TEXT_MAX 500
#define SURVEY_SCORE_MIN 1
#define SURVEY_SCORE_MAX 5

enum survey_kind { SURVEY_SINGLE, SURVEY_MULTIPLE, SURVEY_SCORE, SURVEY_TEXT };
/* The kinds' names, in the order of the enum (and the ENUM); NULL-terminated. */
extern const char *const survey_kind_names[];

struct survey_question {
    int64_t no; /* 1-based */
    enum survey_kind kind;
    const char *title;
    bool required;
    const char *const *options; /* choice questions; else none */
    size_t noptions;
};

/* One answer: choices (1-based option numbers) for a choice question, a
 * score, or a text. */
struct survey_answer {
    int64_t question_no;
    const int64_t *choices;
    size_t nchoices;
    bool has_choices;
    bool has_score;
    int64_t score;
    const char *text;
};

/* The questions of a new survey: 1..SURVEY_QUESTIONS_MAX, numbered 1..n
 * in order; a choice question has SURVEY_OPTIONS_MIN..MAX distinct options
 * of 1..SURVEY_OPTION_MAX characters, the others none; titles
 * 1..SURVEY_QUESTION_TITLE_MAX characters. 400 naming the question. */
int survey_questions_check(const struct survey_question *q, size_t n, struct err *e);

/* Answers against questions q[0..nq) (numbered 1..nq): each names a
 * question once, carries what its kind takes and nothing else (single:
 * one option, multiple: one or more distinct, score: 1..5, text: 1..500
 * characters), every required question is answered, and at least one
 * answer is given. 400 naming the question. */
int survey_answers_check(const struct survey_question *q, size_t nq,
                         const struct survey_answer *a, size_t na, struct err *e);

/* The results of one question. */
struct survey_tally {
    const struct survey_question *q;
    int64_t answered;       /* responses that answered it */
    int64_t *option_counts; /* noptions, choice questions */
    int64_t score_counts[SURVEY_SCORE_MAX]; /* [s-1]: how many gave score s */
    int64_t score_sum;
    bool has_avg;         /* a score question with answers */
    int64_t avg_score_x100; /* Σ score × 100 / answered, rounded half up */
};

/* Tallies for q[0..nq) in a (zeroed). */
struct survey_tally *survey_tally_new(struct arena *a, const struct survey_question *q, size_t nq);
/* Add count answers of question_no: a choice (1-based), or a score (one
 * of them non-zero). Rows naming no question or option are ignored
 * (asserted in tests: the data is the module's own). */
void survey_tally_add(struct survey_tally *t, size_t nq, int64_t question_no, int64_t choice,
                      int64_t score, int64_t count);
/* The averages, once every row is added. */
void survey_tally_finish(struct survey_tally *t, size_t nq);
/* round(sum × 100 / count), half up; 0 when count is 0. */
int64_t survey_avg_x100(int64_t sum, int64_t count);

/* A new survey. */
struct survey_in {
    const char *title, *description; /* description may be NULL */
    time_t opens_at, closes_at;
    const int64_t *building_ids;
    size_t nbuildings;
    const struct survey_question *questions;
    size_t nquestions;
    bool has_publish; /* a schedule (定时发布): publish_at */
    time_t publish_at;
};

/* A draft in project_id (one of the caller's, else 404): 400 for a bad
 * title, period (opens before it closes, closes in the future), building,
 * question or publish_at (later than now, earlier than closes_at; the
 * caller becomes its scheduler). */
int survey_create(struct db *db, const struct principal *who, int64_t project_id,
                  const struct survey_in *in, int64_t *id, struct err *e);
/* Publish a draft (409 SURVEY_NOT_DRAFT; a period already over: 409
 * SURVEY_NOT_OPEN), with a WeChat message to each person of the audience
 * with an openid (cfg->wechat_template_survey; "" = none), de-duplicated
 * by "survey:<id>:<person>". */
int survey_publish(struct db *db, const struct config *cfg, const struct principal *who,
                   int64_t id, struct err *e);
/* Close a published survey early or at its end (409 SURVEY_NOT_PUBLISHED). */
int survey_close(struct db *db, const struct principal *who, int64_t id, struct err *e);
/* Set a draft's schedule (the caller becomes its scheduler) or, clear,
 * remove it: 400 for a publish_at not later than now or not earlier than
 * closes_at, 404 another project's, 409 SURVEY_NOT_DRAFT. The questions
 * stay as they are. */
int survey_schedule(struct db *db, const struct principal *who, int64_t id, bool clear,
                    time_t publish_at, struct err *e);
/* Scheduled publishing, as notices.h's: publish survey id by its schedule
 * (a survey whose closes_at has passed, or whose scheduler may no longer
 * publish it, has its schedule cleared), and the job's run over every
 * survey due now. */
int survey_publish_due(struct db *db, const struct config *cfg, int64_t id,
                       enum notice_due_outcome *out, struct err *e);
int survey_publish_scheduled(struct db *db, const struct config *cfg,
                             struct notice_due_counts *n, struct err *e);

/* A survey as read; strings in the caller's arena, times as stored (UTC). */
struct survey {
    int64_t id, project_id;
    const char *building_ids, *title, *description, *status;
    const char *opens_at, *closes_at, *created_at, *published_at, *closed_at;
    const char *publish_at; /* a draft's schedule, NULL when none */
    bool open;     /* published and within its period now */
    bool answered; /* by the owner (owner reads only) */
    int64_t responses;
    struct survey_question *questions; /* detail reads only */
    size_t nquestions;
};

struct survey_page {
    struct survey *items;
    size_t n;
    int64_t next; /* the id to pass as before for the next page; 0 after the last */
};

/* The open surveys whose audience holds one of the owner's homes now,
 * newest first, with the owner's answered flag. */
int survey_list_owner(struct db *db, struct arena *a, const struct principal *who,
                      int64_t before, int limit, struct survey_page *out, struct err *e);
/* One survey for an owner of its audience, published or closed (404
 * otherwise), with its questions. */
int survey_get_owner(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                     struct survey *out, struct err *e);
/* Answer survey id once (see the file's comment for the order of checks). */
int survey_answer(struct db *db, const struct principal *who, int64_t id,
                  const struct survey_answer *answers, size_t n, struct err *e);

/* The surveys of project_id (one of the caller's, else 404), newest
 * first; status NULL or draft|published|closed (else 400). */
int survey_list_project(struct db *db, struct arena *a, const struct principal *who,
                        int64_t project_id, const char *status, int64_t before, int limit,
                        struct survey_page *out, struct err *e);
/* One survey of the caller's projects with its questions and response count. */
int survey_get(struct db *db, struct arena *a, const struct principal *who, int64_t id,
               struct survey *out, struct err *e);
/* Its results: one tally per question (*tallies, nquestions of out). */
int survey_results(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                   struct survey *out, struct survey_tally **tallies, struct err *e);

/* The free-text answers of a survey (of one question, or 0 = all), by
 * answer id, a page at a time (after: an answer id). */
struct survey_text {
    int64_t id, question_no;
    const char *text, *at;
};
int survey_texts(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                 int64_t question_no, int64_t after, int limit, struct survey_text **out,
                 size_t *n, int64_t *next, struct err *e);

/* The results as a report for the files (CSV, XLSX): a section of option
 * counts, one of scores, one of every free text; in a. */
int survey_report(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                  struct report *rep, struct err *e);

#endif
