/*
 * render.h — JSON shapes shared by several handlers (a resource, a
 * session), so that the owner and the staff see the same field names.
 */
#ifndef WUYE_RENDER_H
#define WUYE_RENDER_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "auth.h"
#include "resources.h"

/* The owner's view: API.md's fields plus a few more. */
cJSON *render_resource_owner(const struct resource *x);
/* The staff view: every attribute. */
cJSON *render_resource_staff(const struct resource *x);
/* {"items":[…],"next_cursor":…} with the cursor as a decimal string. */
cJSON *render_list(cJSON *items, int64_t next_after);

/* A resource with its occupants and custom fields: the staff view shows
 * full phones and the move-in/out history, the owner's view current
 * occupants with masked phones. */
cJSON *render_resource_detail(const struct resource_detail *d, bool owner_view);

#endif
