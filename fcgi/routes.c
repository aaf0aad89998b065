/*
 * routes.c — every endpoint, who may call it, and its body limit. This
 * table is the map of the API; docs/api.md describes each row.
 */
#include "router.h"
#include "server.h"

#define OFFICE (ROLE_ADMIN)
#define STAFF ROLE_ANY_STAFF
#define IMPORT_LIMIT (8L * 1024 * 1024)

const struct route routes[] = {
    {"GET", "/api/v1/health", h_health, ACCESS_PUBLIC, 0, 0, "health"},
    {"GET", "/metrics", h_metrics, ACCESS_PUBLIC, 0, 0, "metrics"},
    {"POST", "/api/v1/sms/codes", h_sms_codes, ACCESS_PUBLIC, 0, 0, "sms_codes"},
    {"POST", "/api/v1/logout", h_logout, ACCESS_ANY, 0, 0, "logout"},

    {"POST", "/api/v1/owner/login/wechat", h_owner_login_wechat, ACCESS_PUBLIC, 0, 0,
     "owner_login_wechat"},
    {"POST", "/api/v1/owner/login/sms", h_owner_login_sms, ACCESS_PUBLIC, 0, 0, "owner_login_sms"},
    {"GET", "/api/v1/owner/resources", h_owner_resources, ACCESS_OWNER_FUSED, 0, 0,
     "owner_resources"},
    {"GET", "/api/v1/owner/resources/{id}", h_owner_resource, ACCESS_OWNER, 0, 0, "owner_resource"},

    {"POST", "/api/v1/staff/login", h_staff_login, ACCESS_PUBLIC, 0, 0, "staff_login"},
    {"GET", "/api/v1/staff/me", h_staff_me, ACCESS_STAFF, STAFF, 0, "staff_me"},
    {"GET", "/api/v1/staff/resources", h_staff_resources, ACCESS_STAFF, STAFF, 0,
     "staff_resources"},
    {"GET", "/api/v1/staff/persons", h_staff_persons, ACCESS_STAFF, STAFF, 0, "staff_persons"},
    {"GET", "/api/v1/staff/resources/{id}", h_staff_resource, ACCESS_STAFF, STAFF, 0,
     "staff_resource"},

    {"GET", "/api/v1/office/projects", h_office_projects, ACCESS_STAFF, OFFICE, 0,
     "office_projects"},
    {"POST", "/api/v1/office/projects", h_office_project_create, ACCESS_STAFF, OFFICE, 0,
     "office_project_create"},
    {"PATCH", "/api/v1/office/projects/{id}", h_office_project_update, ACCESS_STAFF, OFFICE, 0,
     "office_project_update"},
    {"POST", "/api/v1/office/projects/{id}/buildings", h_office_building_create, ACCESS_STAFF,
     OFFICE, 0, "office_building_create"},
    {"POST", "/api/v1/office/buildings/{id}/units", h_office_unit_create, ACCESS_STAFF, OFFICE, 0,
     "office_unit_create"},
    {"POST", "/api/v1/office/resources", h_office_resource_create, ACCESS_STAFF, OFFICE, 0,
     "office_resource_create"},
    {"PATCH", "/api/v1/office/resources/{id}", h_office_resource_update, ACCESS_STAFF, OFFICE, 0,
     "office_resource_update"},
    {"POST", "/api/v1/office/resources/{id}/occupants", h_office_link_create, ACCESS_STAFF, OFFICE,
     0, "office_move_in"},
    {"POST", "/api/v1/office/occupants/{id}/move-out", h_office_link_move_out, ACCESS_STAFF, OFFICE,
     0, "office_move_out"},
    {"POST", "/api/v1/office/persons", h_office_person_create, ACCESS_STAFF, OFFICE, 0,
     "office_person_create"},
    {"PATCH", "/api/v1/office/persons/{id}", h_office_person_update, ACCESS_STAFF, OFFICE, 0,
     "office_person_update"},
    {"POST", "/api/v1/office/projects/{id}/custom-fields", h_office_custom_field_create,
     ACCESS_STAFF, OFFICE, 0, "office_custom_field_create"},
    {"PUT", "/api/v1/office/custom-values", h_office_custom_values_set, ACCESS_STAFF, OFFICE, 0,
     "office_custom_values"},
    {"POST", "/api/v1/office/projects/{id}/import", h_office_import, ACCESS_STAFF, OFFICE,
     IMPORT_LIMIT, "office_import"},
    {"GET", "/api/v1/office/projects/{id}/export", h_office_export, ACCESS_STAFF, OFFICE, 0,
     "office_export"},
};

const size_t nroutes = sizeof(routes) / sizeof(routes[0]);
