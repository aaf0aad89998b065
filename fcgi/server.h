/*
 * server.h — what the pieces of the worker program share: the loaded
 * configuration, the worker entry point and every handler of the route
 * table (files by audience and area: public.c, owner_*.c, staff_*.c,
 * office_*.c).
 */
#ifndef WUYE_SERVER_H
#define WUYE_SERVER_H

#include "core/config.h"
#include "http.h"

extern struct config g_cfg;

/* Run a worker process on listen_fd until SIGTERM; returns the exit code. */
int worker_main(int listen_fd);

/* The handlers of the route table, by audience and area (the contract is
 * http.h's: int h(struct req *r, struct err *e)). */
#define HANDLER(name) int name(struct req *r, struct err *e)

/* public.c */
HANDLER(h_health);
HANDLER(h_metrics);
HANDLER(h_sms_codes);
HANDLER(h_logout);

/* owner_auth.c, owner_resources.c */
HANDLER(h_owner_login_wechat);
HANDLER(h_owner_login_sms);
HANDLER(h_owner_resources);
HANDLER(h_owner_resource);
HANDLER(h_owner_bills);

/* staff_auth.c, staff_resources.c */
HANDLER(h_staff_login);
HANDLER(h_staff_me);
HANDLER(h_staff_resources);
HANDLER(h_staff_resource);
HANDLER(h_staff_persons);

/* staff_bills.c */
HANDLER(h_staff_resource_bills);
HANDLER(h_staff_bill_create);
HANDLER(h_staff_collection);
/* staff_prepay.c: prepaying future periods at the desk (FEE-4, PAY-2) */
HANDLER(h_staff_prepay_quote);
HANDLER(h_staff_prepay);

/* service tickets and uploads: tickets_render.c (both audiences),
 * owner_tickets.c, staff_tickets.c, uploads.c */
HANDLER(h_ticket_create);
HANDLER(h_ticket_get);
HANDLER(h_owner_tickets);
HANDLER(h_owner_ticket_rating);
HANDLER(h_owner_ticket_cancel);
HANDLER(h_staff_tickets);
HANDLER(h_staff_ticket_action);
HANDLER(h_staff_ticket_suggest);
HANDLER(h_staff_knowledge);
HANDLER(h_upload_create);
HANDLER(h_upload_get);

/* office_estate.c */
HANDLER(h_office_projects);
HANDLER(h_office_project_create);
HANDLER(h_office_project_update);
HANDLER(h_office_building_create);
HANDLER(h_office_unit_create);
HANDLER(h_office_resource_create);
HANDLER(h_office_resource_update);
HANDLER(h_office_person_create);
HANDLER(h_office_person_update);
HANDLER(h_office_link_create);
HANDLER(h_office_link_move_out);
HANDLER(h_office_custom_field_create);
HANDLER(h_office_custom_values_set);

/* office_fees.c */
HANDLER(h_office_fee_item_create);
HANDLER(h_office_fee_item_update);
HANDLER(h_office_fee_items);
HANDLER(h_office_fee_rate_add);
HANDLER(h_office_fee_rate_end);

/* office_approvals.c, staff_approvals.c, staff_accounts.c: approvals (FEE-5),
 * the desk's prepayment and deposit accounts (PAY-3, PAY-4) */
HANDLER(h_office_approval_policies);
HANDLER(h_office_approval_policy_set);
HANDLER(h_office_approvals);
HANDLER(h_office_approval);
HANDLER(h_office_approval_approve);
HANDLER(h_office_approval_reject);
HANDLER(h_office_approval_cancel);
HANDLER(h_staff_bill_waiver);
HANDLER(h_staff_bill_void);
HANDLER(h_staff_receipt_void);
HANDLER(h_staff_account_refund);
HANDLER(h_staff_accounts);
HANDLER(h_staff_account_collect);
HANDLER(h_staff_account_offset);

/* office_import.c */
HANDLER(h_office_import);
HANDLER(h_office_export);

/* office_jobs.c */
HANDLER(h_office_job);

/* office_reports.c, staff_receipts.c: the books' reports and exports, the
 * bill import, receipts and their print page (PAY-6, PAY-7, FEE-6) */
HANDLER(h_office_report_books);
HANDLER(h_office_report_arrears);
HANDLER(h_office_report_daily);
HANDLER(h_office_report_changes);
HANDLER(h_office_statement);
HANDLER(h_office_job_file);
HANDLER(h_office_bill_import);
HANDLER(h_office_receipt_template);
HANDLER(h_staff_receipt);
HANDLER(h_staff_receipt_print);

/* office_staff.c */
HANDLER(h_office_staff_list);
HANDLER(h_office_staff_create);
HANDLER(h_office_staff);
HANDLER(h_office_staff_update);

/* owner_payments.c, pay_notify.c: online payment through WeChat Pay (PAY-1) */
HANDLER(h_owner_payment_create);
HANDLER(h_owner_payment);
HANDLER(h_owner_payments);
HANDLER(h_owner_payment_cancel);
HANDLER(h_pay_wechat_notify);
struct wxpay_client;
/* The process's WeChat Pay client, built from g_cfg on first use; NULL
 * when WeChat Pay is not configured or its keys are unusable (logged). */
const struct wxpay_client *server_wxpay(void);
/* office_messages.c: messages to owners and their delivery (NTC-2) */
HANDLER(h_office_messages);
HANDLER(h_office_message);
/* office_billruns.c */
HANDLER(h_office_bill_run_preview);
HANDLER(h_office_bill_run_create);
HANDLER(h_office_bill_runs);
HANDLER(h_office_bill_run);
HANDLER(h_office_bill_run_cancel);
HANDLER(h_office_discount_scheme_create);
HANDLER(h_office_discount_schemes);
HANDLER(h_office_discount_scheme_update);

/* office_tickets.c: ticket statistics and set-up (TKT-6, TKT-2/3) */
HANDLER(h_office_ticket_stats);
HANDLER(h_office_ticket_setup);
HANDLER(h_office_ticket_deadline_set);
HANDLER(h_office_ticket_skills_set);
HANDLER(h_office_staff_skills);
HANDLER(h_office_staff_skills_set);
/* announcements and surveys (NTC-1, NTC-4): owner_notices.c,
 * staff_notices.c, office_notices.c (notices_render.c: their JSON) */
HANDLER(h_owner_notices);
HANDLER(h_owner_notice_read);
HANDLER(h_owner_surveys);
HANDLER(h_owner_survey);
HANDLER(h_owner_survey_answer);
HANDLER(h_staff_notices);
HANDLER(h_office_notice_create);
HANDLER(h_office_notice_update);
HANDLER(h_office_notice_publish);
HANDLER(h_office_notice_withdraw);
HANDLER(h_office_notice);
HANDLER(h_office_notices);
HANDLER(h_office_notice_readers);
HANDLER(h_office_survey_create);
HANDLER(h_office_survey);
HANDLER(h_office_survey_publish);
HANDLER(h_office_survey_update); /* a draft's publish_at (定时发布) */
HANDLER(h_office_survey_close);
HANDLER(h_office_surveys);
HANDLER(h_office_survey_results);
HANDLER(h_office_survey_texts);

#endif
