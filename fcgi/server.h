/*
 * server.h — what the pieces of the worker program share: the loaded
 * configuration, the worker entry point and every handler of the route
 * table (one file per audience: h_public.c, h_owner.c, h_staff.c,
 * h_office.c).
 */
#ifndef WUYE_SERVER_H
#define WUYE_SERVER_H

#include "core/config.h"
#include "http.h"

extern struct config g_cfg;

/* Run a worker process on listen_fd until SIGTERM; returns the exit code. */
int worker_main(int listen_fd);

/* ?limit= and ?cursor= of the list convention (h_staff.c). */
int list_params(struct req *r, int64_t *after, int *limit, struct err *e);

/* h_public.c */
void h_health(struct req *r);
void h_metrics(struct req *r);
void h_sms_codes(struct req *r);
void h_logout(struct req *r);

/* h_owner.c */
void h_owner_login_wechat(struct req *r);
void h_owner_login_sms(struct req *r);
void h_owner_resources(struct req *r);
/* Free this thread's cache of owner lists (thread exit). */
void owner_cache_free(void);
void h_owner_resource(struct req *r);

/* h_staff.c */
void h_staff_login(struct req *r);
void h_staff_me(struct req *r);
void h_staff_resources(struct req *r);
void h_staff_resource(struct req *r);
void h_staff_persons(struct req *r);

/* h_office.c */
void h_office_projects(struct req *r);
void h_office_project_create(struct req *r);
void h_office_project_update(struct req *r);
void h_office_building_create(struct req *r);
void h_office_unit_create(struct req *r);
void h_office_resource_create(struct req *r);
void h_office_resource_update(struct req *r);
void h_office_person_create(struct req *r);
void h_office_person_update(struct req *r);
void h_office_link_create(struct req *r);
void h_office_link_move_out(struct req *r);
void h_office_custom_field_create(struct req *r);
void h_office_custom_values_set(struct req *r);
void h_office_import(struct req *r);
void h_office_export(struct req *r);

#endif
