/*
 * routes.c — every endpoint, who may call it, its body limit and the
 * members its JSON body may have. This table is the map of the API;
 * docs/api.md describes each row.
 */
#include "approvals.h"
#include "router.h"
#include "server.h"
#include "uploads.h"

#define OFFICE (ROLE_ADMIN)
#define STAFF ROLE_ANY_STAFF
/* who collects money at the desk (API.md), and who may raise a bill */
#define COLLECTORS (ROLE_CASHIER | ROLE_BUTLER | ROLE_ADMIN)
#define BILLERS (ROLE_CASHIER | ROLE_BUTLER | ROLE_SUPERVISOR | ROLE_MANAGER | ROLE_ADMIN)
#define IMPORT_LIMIT (8L * 1024 * 1024)
/* service tickets: who reports (API.md: butlers, guards on patrol, and the
 * desk), a new ticket's members, one action of the state table */
#define TICKET_REPORTERS (ROLE_BUTLER | ROLE_SUPERVISOR | ROLE_MANAGER | ROLE_GUARD | ROLE_ADMIN)
#define TICKET_FIELDS                                                                              \
    "resource_id", "type", "area", "severity", "description", "appointment_at", "photos"
#define TICKET_ACTION(name, fields)                                                                \
    {"POST", "/api/v1/staff/tickets/{id}/" name, h_staff_ticket_action, ACCESS_STAFF, STAFF, 0,     \
     "staff_ticket_" name, fields}
#define PROJECT_FIELDS FIELDS("code", "name", "address", "business_types", "arrears_reminders")
#define PERSON_FIELDS FIELDS("name", "phone", "id_number", "occupation")
#define STAFF_FIELDS "name", "phone", "password", "roles", "project_ids"
#define FEE_ITEM_FIELDS                                                                            \
    FIELDS("code", "name", "cycle", "method", "rounding", "due_day_of_cycle", "usage_per_unit",    \
           "late_fee_daily_bp", "late_fee_grace_days", "late_fee_cap", "late_fee_cap_fen",         \
           "active")
/* Who reads the books (PAY-6): the office and the cashiers of the project. */
#define BOOKS (ROLE_ADMIN | ROLE_MANAGER | ROLE_CASHIER | ROLE_SUPERVISOR)
#define RESOURCE_FIELDS                                                                            \
    FIELDS("project_id", "building_id", "unit_id", "code", "number", "kind", "floor",              \
           "area_m2x100", "inner_area_m2x100", "layout", "decoration", "lease_status",             \
           "business_scope", "tenant_company")
/* Bill runs and discount schemes (FEE-3, FEE-4): admins and managers. */
#define BILLING (ROLE_ADMIN | ROLE_MANAGER)
#define BILL_RUN_FIELDS "fee_item_ids", "period_from", "period_to", "building_id"
#define SCHEME_FIELDS                                                                              \
    FIELDS("name", "fee_item_id", "customer_group", "min_months", "off_bp", "off_fen",             \
           "valid_from", "valid_to")

/* approvals and the desk's accounts */
#define APPROVERS APPROVAL_ROLES
#define DESK (ROLE_CASHIER | ROLE_BUTLER | ROLE_ADMIN)
#define APPROVAL_POLICY(kind)                                                                      \
    {"PUT", "/api/v1/office/projects/{id}/approval-policies/" kind, h_office_approval_policy_set,  \
     ACCESS_STAFF, OFFICE, 0, "office_approval_policy_set", FIELDS("steps")}

/* announcements and surveys (NTC-1, NTC-4): the office writes and reads
 * results, the staff app lists the published notices */
#define NOTICE_READERS (ROLE_BUTLER | ROLE_SUPERVISOR | ROLE_MANAGER | ROLE_ADMIN)
#define NOTICE_FIELDS                                                                              \
    FIELDS("title", "body", "category", "pinned", "expires_at", "publish_at", "building_ids")

const struct route routes[] = {
    {"GET", "/api/v1/health", h_health, ACCESS_PUBLIC, 0, 0, "health", NULL},
    {"GET", "/metrics", h_metrics, ACCESS_PUBLIC, 0, 0, "metrics", NULL},
    {"POST", "/api/v1/sms/codes", h_sms_codes, ACCESS_PUBLIC, 0, 0, "sms_codes",
     FIELDS("phone", "purpose")},
    {"POST", "/api/v1/logout", h_logout, ACCESS_ANY, 0, 0, "logout", NULL},

    {"POST", "/api/v1/owner/login/wechat", h_owner_login_wechat, ACCESS_PUBLIC, 0, 0,
     "owner_login_wechat", FIELDS("code", "phone_code")},
    {"POST", "/api/v1/owner/login/sms", h_owner_login_sms, ACCESS_PUBLIC, 0, 0, "owner_login_sms",
     FIELDS("phone", "sms_code")},
    {"GET", "/api/v1/owner/resources", h_owner_resources, ACCESS_OWNER_FUSED, 0, 0,
     "owner_resources", NULL},
    {"GET", "/api/v1/owner/resources/{id}", h_owner_resource, ACCESS_OWNER, 0, 0, "owner_resource",
     NULL},
    {"GET", "/api/v1/owner/bills", h_owner_bills, ACCESS_OWNER_FUSED, 0, 0, "owner_bills", NULL},

    /* online payment through WeChat Pay (PAY-1): the owner's, and WeChat Pay's notifications */
    {"POST", "/api/v1/owner/payments", h_owner_payment_create, ACCESS_OWNER, 0, 0,
     "owner_payment_create", FIELDS("bill_ids")},
    {"GET", "/api/v1/owner/payments", h_owner_payments, ACCESS_OWNER, 0, 0, "owner_payments", NULL},
    {"GET", "/api/v1/owner/payments/{id}", h_owner_payment, ACCESS_OWNER, 0, 0, "owner_payment",
     NULL},
    {"POST", "/api/v1/owner/payments/{id}/cancel", h_owner_payment_cancel, ACCESS_OWNER, 0, 0,
     "owner_payment_cancel", NULL},
    {"POST", "/api/v1/pay/wechat/notify", h_pay_wechat_notify, ACCESS_PUBLIC, 0, 16 * 1024,
     "pay_wechat_notify", NULL},

    {"POST", "/api/v1/staff/login", h_staff_login, ACCESS_PUBLIC, 0, 0, "staff_login",
     FIELDS("phone", "password", "sms_code")},
    {"GET", "/api/v1/staff/me", h_staff_me, ACCESS_STAFF, STAFF, 0, "staff_me", NULL},
    {"GET", "/api/v1/staff/resources", h_staff_resources, ACCESS_STAFF, STAFF, 0, "staff_resources",
     NULL},
    {"GET", "/api/v1/staff/persons", h_staff_persons, ACCESS_STAFF, STAFF, 0, "staff_persons",
     NULL},
    {"GET", "/api/v1/staff/resources/{id}", h_staff_resource, ACCESS_STAFF, STAFF, 0,
     "staff_resource", NULL},

    /* the desk: bills and collections (PAY-2) */
    {"GET", "/api/v1/staff/resources/{id}/bills", h_staff_resource_bills, ACCESS_STAFF, STAFF, 0,
     "staff_resource_bills", NULL},
    {"POST", "/api/v1/staff/resources/{id}/bills", h_staff_bill_create, ACCESS_STAFF, BILLERS, 0,
     "staff_bill_create", FIELDS("fee_item_id", "amount_fen", "note")},
    {"POST", "/api/v1/staff/collections", h_staff_collection, ACCESS_STAFF, COLLECTORS, 0,
     "staff_collection",
     FIELDS("resource_id", "bill_ids", "method", "amount_fen", "to_prepay", "payer_name", "note")},

    /* prepaying future periods at the desk (FEE-4, PAY-2): the desk's
     * collectors, as /staff/collections */
    {"GET", "/api/v1/staff/resources/{id}/prepay-quote", h_staff_prepay_quote, ACCESS_STAFF,
     COLLECTORS, 0, "staff_prepay_quote", NULL},
    {"POST", "/api/v1/staff/resources/{id}/prepay", h_staff_prepay, ACCESS_STAFF, COLLECTORS, 0,
     "staff_prepay",
     FIELDS("fee_item_id", "months", "period_from", "method", "amount_fen", "payer_name", "note")},

    /* service tickets and uploads (TKT-1..3, TKT-5, TKT-7): the staff's
     * actions are one route per row of the state table (lib/ticket_flow.c),
     * open to any staff role, because the domain checks the state (409)
     * before the role (403) */
    {"POST", "/api/v1/uploads", h_upload_create, ACCESS_ANY, 0, UPLOAD_MAX_BYTES, "upload_create",
     NULL},
    {"GET", "/api/v1/uploads/{id}", h_upload_get, ACCESS_ANY, 0, 0, "upload_get", NULL},
    {"POST", "/api/v1/owner/tickets", h_ticket_create, ACCESS_OWNER, 0, 0, "owner_ticket_create",
     FIELDS(TICKET_FIELDS)},
    {"GET", "/api/v1/owner/tickets", h_owner_tickets, ACCESS_OWNER, 0, 0, "owner_tickets", NULL},
    {"GET", "/api/v1/owner/tickets/{id}", h_ticket_get, ACCESS_OWNER, 0, 0, "owner_ticket", NULL},
    {"POST", "/api/v1/owner/tickets/{id}/rating", h_owner_ticket_rating, ACCESS_OWNER, 0, 0,
     "owner_ticket_rating", FIELDS("score", "comment")},
    {"POST", "/api/v1/owner/tickets/{id}/cancel", h_owner_ticket_cancel, ACCESS_OWNER, 0, 0,
     "owner_ticket_cancel", FIELDS_OPTIONAL("note")},
    {"POST", "/api/v1/staff/tickets", h_ticket_create, ACCESS_STAFF, TICKET_REPORTERS, 0,
     "staff_ticket_create", FIELDS(TICKET_FIELDS, "building_id", "project_id")},
    {"GET", "/api/v1/staff/tickets", h_staff_tickets, ACCESS_STAFF, STAFF, 0, "staff_tickets",
     NULL},
    {"GET", "/api/v1/staff/tickets/{id}", h_ticket_get, ACCESS_STAFF, STAFF, 0, "staff_ticket",
     NULL},
    {"GET", "/api/v1/staff/tickets/{id}/suggest-assignees", h_staff_ticket_suggest, ACCESS_STAFF,
     STAFF, 0, "staff_ticket_suggest", NULL},
    TICKET_ACTION("accept", FIELDS_OPTIONAL("note")),
    TICKET_ACTION("reject", FIELDS_OPTIONAL("note")),
    TICKET_ACTION("dispatch", FIELDS("assignee_id", "note")),
    TICKET_ACTION("take", FIELDS_OPTIONAL("note")),
    TICKET_ACTION("start", FIELDS_OPTIONAL("note")),
    TICKET_ACTION("complete", FIELDS("result", "materials", "charge_fen", "note")),
    TICKET_ACTION("close", FIELDS_OPTIONAL("note")),
    TICKET_ACTION("visit", FIELDS("score", "comment", "note")),
    TICKET_ACTION("reassign", FIELDS("assignee_id", "note")),
    TICKET_ACTION("escalate", FIELDS_OPTIONAL("note")),
    TICKET_ACTION("cancel", FIELDS_OPTIONAL("note")),
    {"GET", "/api/v1/staff/knowledge", h_staff_knowledge, ACCESS_STAFF, STAFF, 0,
     "staff_knowledge", NULL},

    {"GET", "/api/v1/office/projects", h_office_projects, ACCESS_STAFF, OFFICE, 0,
     "office_projects", NULL},
    {"POST", "/api/v1/office/projects", h_office_project_create, ACCESS_STAFF, OFFICE, 0,
     "office_project_create", PROJECT_FIELDS},
    {"PATCH", "/api/v1/office/projects/{id}", h_office_project_update, ACCESS_STAFF, OFFICE, 0,
     "office_project_update", PROJECT_FIELDS},
    {"POST", "/api/v1/office/projects/{id}/buildings", h_office_building_create, ACCESS_STAFF,
     OFFICE, 0, "office_building_create", FIELDS("name", "floors", "business_type")},
    {"POST", "/api/v1/office/buildings/{id}/units", h_office_unit_create, ACCESS_STAFF, OFFICE, 0,
     "office_unit_create", FIELDS("name")},
    {"POST", "/api/v1/office/resources", h_office_resource_create, ACCESS_STAFF, OFFICE, 0,
     "office_resource_create", RESOURCE_FIELDS},
    {"PATCH", "/api/v1/office/resources/{id}", h_office_resource_update, ACCESS_STAFF, OFFICE, 0,
     "office_resource_update", RESOURCE_FIELDS},
    {"POST", "/api/v1/office/resources/{id}/occupants", h_office_link_create, ACCESS_STAFF, OFFICE,
     0, "office_move_in",
     FIELDS("person_id", "name", "phone", "id_number", "relation", "moved_in_on")},
    {"POST", "/api/v1/office/occupants/{id}/move-out", h_office_link_move_out, ACCESS_STAFF, OFFICE,
     0, "office_move_out", FIELDS("moved_out_on")},
    {"POST", "/api/v1/office/persons", h_office_person_create, ACCESS_STAFF, OFFICE, 0,
     "office_person_create", PERSON_FIELDS},
    {"PATCH", "/api/v1/office/persons/{id}", h_office_person_update, ACCESS_STAFF, OFFICE, 0,
     "office_person_update", PERSON_FIELDS},
    {"POST", "/api/v1/office/projects/{id}/custom-fields", h_office_custom_field_create,
     ACCESS_STAFF, OFFICE, 0, "office_custom_field_create",
     FIELDS("target", "key", "label", "type", "choices")},
    {"PUT", "/api/v1/office/custom-values", h_office_custom_values_set, ACCESS_STAFF, OFFICE, 0,
     "office_custom_values", FIELDS("target", "target_id", "project_id", "values")},
    {"POST", "/api/v1/office/projects/{id}/import", h_office_import, ACCESS_STAFF, OFFICE,
     IMPORT_LIMIT, "office_import", NULL},
    {"GET", "/api/v1/office/projects/{id}/export", h_office_export, ACCESS_STAFF, OFFICE, 0,
     "office_export", NULL},
    {"GET", "/api/v1/office/jobs/{id}", h_office_job, ACCESS_STAFF, STAFF, 0, "office_job", NULL},
    {"POST", "/api/v1/office/projects/{id}/fee-items", h_office_fee_item_create, ACCESS_STAFF,
     OFFICE, 0, "office_fee_item_create", FEE_ITEM_FIELDS},
    {"GET", "/api/v1/office/projects/{id}/fee-items", h_office_fee_items, ACCESS_STAFF, OFFICE, 0,
     "office_fee_items", NULL},
    {"PATCH", "/api/v1/office/fee-items/{id}", h_office_fee_item_update, ACCESS_STAFF, OFFICE, 0,
     "office_fee_item_update", FEE_ITEM_FIELDS},
    {"POST", "/api/v1/office/fee-items/{id}/rates", h_office_fee_rate_add, ACCESS_STAFF, OFFICE, 0,
     "office_fee_rate_add",
     FIELDS("rate", "building_id", "resource_kind", "customer_group", "valid_from", "valid_to")},
    {"POST", "/api/v1/office/fee-rates/{id}/end", h_office_fee_rate_end, ACCESS_STAFF, OFFICE, 0,
     "office_fee_rate_end", FIELDS("valid_to")},
    /* The books' reports and exports, the bill import, receipts (PAY-6, PAY-7, FEE-6) */
    {"GET", "/api/v1/office/projects/{id}/reports/books", h_office_report_books, ACCESS_STAFF,
     BOOKS, 0, "office_report_books", NULL},
    {"GET", "/api/v1/office/projects/{id}/reports/arrears", h_office_report_arrears, ACCESS_STAFF,
     BOOKS, 0, "office_report_arrears", NULL},
    {"GET", "/api/v1/office/projects/{id}/reports/daily", h_office_report_daily, ACCESS_STAFF,
     BOOKS, 0, "office_report_daily", NULL},
    {"GET", "/api/v1/office/projects/{id}/reports/changes", h_office_report_changes, ACCESS_STAFF,
     BOOKS, 0, "office_report_changes", NULL},
    {"GET", "/api/v1/office/resources/{id}/statement", h_office_statement, ACCESS_STAFF, STAFF, 0,
     "office_statement", NULL},
    {"GET", "/api/v1/office/jobs/{id}/file", h_office_job_file, ACCESS_STAFF, STAFF, 0,
     "office_job_file", NULL},
    {"POST", "/api/v1/office/projects/{id}/bill-import", h_office_bill_import, ACCESS_STAFF, OFFICE,
     IMPORT_LIMIT, "office_bill_import", NULL},
    {"PUT", "/api/v1/office/projects/{id}/receipt-template", h_office_receipt_template,
     ACCESS_STAFF, OFFICE, 0, "office_receipt_template",
     FIELDS("receipt_title", "paper", "footer")},
    {"GET", "/api/v1/staff/receipts/{id}", h_staff_receipt, ACCESS_STAFF, STAFF, 0,
     "staff_receipt", NULL},
    {"GET", "/api/v1/staff/receipts/{id}/print", h_staff_receipt_print, ACCESS_STAFF, STAFF, 0,
     "staff_receipt_print", NULL},
    /* approvals (FEE-5) and the desk's accounts (PAY-3, PAY-4): docs/api.md §7.16, §6.2.
     * The router matches {id} segments only, so each kind is a row. */
    APPROVAL_POLICY("waiver"),
    APPROVAL_POLICY("bill_void"),
    APPROVAL_POLICY("receipt_void"),
    APPROVAL_POLICY("refund"),
    {"GET", "/api/v1/office/projects/{id}/approval-policies", h_office_approval_policies,
     ACCESS_STAFF, OFFICE, 0, "office_approval_policies", NULL},
    {"GET", "/api/v1/office/approvals", h_office_approvals, ACCESS_STAFF, APPROVERS, 0,
     "office_approvals", NULL},
    {"GET", "/api/v1/office/approvals/{id}", h_office_approval, ACCESS_STAFF, APPROVERS, 0,
     "office_approval", NULL},
    {"POST", "/api/v1/office/approvals/{id}/approve", h_office_approval_approve, ACCESS_STAFF,
     APPROVERS, 0, "office_approval_approve", FIELDS("note")},
    {"POST", "/api/v1/office/approvals/{id}/reject", h_office_approval_reject, ACCESS_STAFF,
     APPROVERS, 0, "office_approval_reject", FIELDS("note")},
    {"POST", "/api/v1/office/approvals/{id}/cancel", h_office_approval_cancel, ACCESS_STAFF,
     APPROVERS, 0, "office_approval_cancel", NULL},
    {"POST", "/api/v1/staff/bills/{id}/waivers", h_staff_bill_waiver, ACCESS_STAFF, APPROVERS, 0,
     "staff_bill_waiver", FIELDS("amount_fen", "reason")},
    {"POST", "/api/v1/staff/bills/{id}/void", h_staff_bill_void, ACCESS_STAFF, APPROVERS, 0,
     "staff_bill_void", FIELDS("reason")},
    {"POST", "/api/v1/staff/receipts/{id}/void", h_staff_receipt_void, ACCESS_STAFF, APPROVERS, 0,
     "staff_receipt_void", FIELDS("reason")},
    {"GET", "/api/v1/staff/resources/{id}/accounts", h_staff_accounts, ACCESS_STAFF, APPROVERS, 0,
     "staff_accounts", NULL},
    {"POST", "/api/v1/staff/resources/{id}/accounts/prepay", h_staff_account_collect,
     ACCESS_STAFF, DESK, 0, "staff_prepay_collect", FIELDS("method", "amount_fen", "note")},
    {"POST", "/api/v1/staff/resources/{id}/accounts/prepay/offset", h_staff_account_offset,
     ACCESS_STAFF, DESK, 0, "staff_prepay_offset", FIELDS("bill_ids")},
    {"POST", "/api/v1/staff/resources/{id}/accounts/prepay/refund", h_staff_account_refund,
     ACCESS_STAFF, APPROVERS, 0, "staff_prepay_refund", FIELDS("amount_fen", "method", "reason")},
    {"POST", "/api/v1/staff/resources/{id}/accounts/deposit", h_staff_account_collect,
     ACCESS_STAFF, DESK, 0, "staff_deposit_collect",
     FIELDS("method", "amount_fen", "note", "purpose")},
    {"POST", "/api/v1/staff/resources/{id}/accounts/deposit/offset", h_staff_account_offset,
     ACCESS_STAFF, DESK, 0, "staff_deposit_offset", FIELDS("bill_ids")},
    {"POST", "/api/v1/staff/resources/{id}/accounts/deposit/refund", h_staff_account_refund,
     ACCESS_STAFF, APPROVERS, 0, "staff_deposit_refund", FIELDS("amount_fen", "method", "reason")},
    {"GET", "/api/v1/office/staff", h_office_staff_list, ACCESS_STAFF, OFFICE, 0,
     "office_staff_list", NULL},
    {"POST", "/api/v1/office/staff", h_office_staff_create, ACCESS_STAFF, OFFICE, 0,
     "office_staff_create", FIELDS(STAFF_FIELDS)},
    {"GET", "/api/v1/office/staff/{id}", h_office_staff, ACCESS_STAFF, OFFICE, 0, "office_staff",
     NULL},
    {"PATCH", "/api/v1/office/staff/{id}", h_office_staff_update, ACCESS_STAFF, OFFICE, 0,
     "office_staff_update", FIELDS(STAFF_FIELDS, "active")},

    /* bill runs and discount schemes (office_billruns.c) */
    {"POST", "/api/v1/office/projects/{id}/bill-runs/preview", h_office_bill_run_preview,
     ACCESS_STAFF, BILLING, 0, "office_bill_run_preview", FIELDS(BILL_RUN_FIELDS)},
    {"POST", "/api/v1/office/projects/{id}/bill-runs", h_office_bill_run_create, ACCESS_STAFF,
     BILLING, 0, "office_bill_run_create", FIELDS(BILL_RUN_FIELDS, "run_at")},
    {"GET", "/api/v1/office/projects/{id}/bill-runs", h_office_bill_runs, ACCESS_STAFF, BILLING, 0,
     "office_bill_runs", NULL},
    {"GET", "/api/v1/office/bill-runs/{id}", h_office_bill_run, ACCESS_STAFF, BILLING, 0,
     "office_bill_run", NULL},
    {"POST", "/api/v1/office/bill-runs/{id}/cancel", h_office_bill_run_cancel, ACCESS_STAFF,
     BILLING, 0, "office_bill_run_cancel", NULL},
    {"POST", "/api/v1/office/projects/{id}/discount-schemes", h_office_discount_scheme_create,
     ACCESS_STAFF, BILLING, 0, "office_discount_scheme_create", SCHEME_FIELDS},
    {"GET", "/api/v1/office/projects/{id}/discount-schemes", h_office_discount_schemes,
     ACCESS_STAFF, BILLING, 0, "office_discount_schemes", NULL},
    {"PATCH", "/api/v1/office/discount-schemes/{id}", h_office_discount_scheme_update,
     ACCESS_STAFF, BILLING, 0, "office_discount_scheme_update", FIELDS("active", "valid_to")},

    /* ticket statistics and set-up (office_tickets.c; TKT-6, TKT-2/3): the
     * statistics for those who answer for the service, the set-up for admins */
    {"GET", "/api/v1/office/tickets/stats", h_office_ticket_stats, ACCESS_STAFF,
     ROLE_ADMIN | ROLE_MANAGER | ROLE_SUPERVISOR, 0, "office_ticket_stats", NULL},
    {"GET", "/api/v1/office/projects/{id}/ticket-settings", h_office_ticket_setup, ACCESS_STAFF,
     OFFICE, 0, "office_ticket_setup", NULL},
    {"PUT", "/api/v1/office/projects/{id}/ticket-deadlines", h_office_ticket_deadline_set,
     ACCESS_STAFF, OFFICE, 0, "office_ticket_deadline_set",
     FIELDS("type", "response_min", "complete_min")},
    {"PUT", "/api/v1/office/projects/{id}/ticket-skills", h_office_ticket_skills_set,
     ACCESS_STAFF, OFFICE, 0, "office_ticket_skills_set", FIELDS("type", "skills")},
    {"GET", "/api/v1/office/staff/{id}/skills", h_office_staff_skills, ACCESS_STAFF, OFFICE, 0,
     "office_staff_skills", NULL},
    {"PUT", "/api/v1/office/staff/{id}/skills", h_office_staff_skills_set, ACCESS_STAFF, OFFICE,
     0, "office_staff_skills_set", FIELDS("skills")},
    /* announcements and surveys (NTC-1, NTC-4): owner_notices.c, staff_notices.c,
     * office_notices.c */
    {"GET", "/api/v1/owner/notices", h_owner_notices, ACCESS_OWNER, 0, 0, "owner_notices", NULL},
    {"POST", "/api/v1/owner/notices/{id}/read", h_owner_notice_read, ACCESS_OWNER, 0, 0,
     "owner_notice_read", NULL},
    {"GET", "/api/v1/owner/surveys", h_owner_surveys, ACCESS_OWNER, 0, 0, "owner_surveys", NULL},
    {"GET", "/api/v1/owner/surveys/{id}", h_owner_survey, ACCESS_OWNER, 0, 0, "owner_survey",
     NULL},
    {"POST", "/api/v1/owner/surveys/{id}/answers", h_owner_survey_answer, ACCESS_OWNER, 0, 0,
     "owner_survey_answer", FIELDS("answers")},
    {"GET", "/api/v1/staff/notices", h_staff_notices, ACCESS_STAFF, NOTICE_READERS, 0,
     "staff_notices", NULL},
    {"POST", "/api/v1/office/projects/{id}/notices", h_office_notice_create, ACCESS_STAFF, OFFICE,
     0, "office_notice_create", NOTICE_FIELDS},
    {"GET", "/api/v1/office/projects/{id}/notices", h_office_notices, ACCESS_STAFF, OFFICE, 0,
     "office_notices", NULL},
    {"GET", "/api/v1/office/notices/{id}", h_office_notice, ACCESS_STAFF, OFFICE, 0,
     "office_notice", NULL},
    {"PATCH", "/api/v1/office/notices/{id}", h_office_notice_update, ACCESS_STAFF, OFFICE, 0,
     "office_notice_update", NOTICE_FIELDS},
    {"POST", "/api/v1/office/notices/{id}/publish", h_office_notice_publish, ACCESS_STAFF, OFFICE,
     0, "office_notice_publish", NULL},
    {"POST", "/api/v1/office/notices/{id}/withdraw", h_office_notice_withdraw, ACCESS_STAFF,
     OFFICE, 0, "office_notice_withdraw", NULL},
    {"GET", "/api/v1/office/notices/{id}/readers", h_office_notice_readers, ACCESS_STAFF, OFFICE,
     0, "office_notice_readers", NULL},
    {"POST", "/api/v1/office/projects/{id}/surveys", h_office_survey_create, ACCESS_STAFF, OFFICE,
     0, "office_survey_create",
     FIELDS("title", "description", "opens_at", "closes_at", "publish_at", "building_ids",
            "questions")},
    {"GET", "/api/v1/office/projects/{id}/surveys", h_office_surveys, ACCESS_STAFF, OFFICE, 0,
     "office_surveys", NULL},
    {"GET", "/api/v1/office/surveys/{id}", h_office_survey, ACCESS_STAFF, OFFICE, 0,
     "office_survey", NULL},
    {"POST", "/api/v1/office/surveys/{id}/publish", h_office_survey_publish, ACCESS_STAFF, OFFICE,
     0, "office_survey_publish", NULL},
    {"POST", "/api/v1/office/surveys/{id}/close", h_office_survey_close, ACCESS_STAFF, OFFICE, 0,
     "office_survey_close", NULL},
    {"GET", "/api/v1/office/surveys/{id}/results", h_office_survey_results, ACCESS_STAFF, OFFICE,
     0, "office_survey_results", NULL},
    {"GET", "/api/v1/office/surveys/{id}/texts", h_office_survey_texts, ACCESS_STAFF, OFFICE, 0,
     "office_survey_texts", NULL},
    /* scheduled publishing (定时发布, NTC-1/NTC-4): a survey draft's publish_at */
    {"PATCH", "/api/v1/office/surveys/{id}", h_office_survey_update, ACCESS_STAFF, OFFICE, 0,
     "office_survey_update", FIELDS("publish_at")},
    /* messages to owners and their delivery (NTC-2; office_messages.c, docs/api.md §7.20):
     * admins and managers */
    {"GET", "/api/v1/office/messages", h_office_messages, ACCESS_STAFF, ROLE_ADMIN | ROLE_MANAGER,
     0, "office_messages", NULL},
    {"GET", "/api/v1/office/messages/{id}", h_office_message, ACCESS_STAFF,
     ROLE_ADMIN | ROLE_MANAGER, 0, "office_message", NULL},
};

const size_t nroutes = sizeof(routes) / sizeof(routes[0]);
