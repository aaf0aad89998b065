/* router.c — matching a request against the route table (see router.h). */
#include "router.h"

#include <stdio.h>
#include <string.h>

/* Match one template against a path; fills params. */
static bool match(const char *tpl, const char *path, int64_t *params, int *nparams)
{
    *nparams = 0;
    while (*tpl && *path) {
        if (strncmp(tpl, "{id}", 4) == 0) {
            int64_t v = 0;
            int digits = 0;
            if (*path < '1' || *path > '9')
                return false;
            while (*path >= '0' && *path <= '9') {
                if (++digits > 15)
                    return false;
                v = v * 10 + (*path - '0');
                path++;
            }
            if (*nparams == REQ_MAX_PARAMS)
                return false;
            params[(*nparams)++] = v;
            tpl += 4;
            continue;
        }
        if (*tpl != *path)
            return false;
        tpl++;
        path++;
    }
    return *tpl == '\0' && *path == '\0';
}

enum route_match router_match(const char *method, const char *path, struct req *r, size_t *index)
{
    bool path_known = false;
    int64_t params[REQ_MAX_PARAMS];
    int np;

    for (size_t i = 0; i < nroutes; i++) {
        if (!match(routes[i].path, path, params, &np))
            continue;
        path_known = true;
        if (strcmp(routes[i].method, method) != 0)
            continue;
        memcpy(r->params, params, sizeof(params));
        r->nparams = np;
        *index = i;
        return ROUTE_FOUND;
    }
    return path_known ? ROUTE_BAD_METHOD : ROUTE_NOT_FOUND;
}

void router_allowed(const char *path, char *out, size_t size)
{
    int64_t params[REQ_MAX_PARAMS];
    size_t used = 0;
    int np;

    out[0] = '\0';
    for (size_t i = 0; i < nroutes; i++) {
        int n;
        if (!match(routes[i].path, path, params, &np) || strstr(out, routes[i].method))
            continue;
        n = snprintf(out + used, size - used, "%s%s", used ? ", " : "", routes[i].method);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
}
