/* html.c — see html.h. */
#include "core/html.h"

#include <string.h>

void html_escape(struct buf *out, const char *s, size_t n)
{
    size_t from = 0;

    for (size_t i = 0; i < n; i++) {
        const char *ent;

        switch (s[i]) {
        case '&':
            ent = "&amp;";
            break;
        case '<':
            ent = "&lt;";
            break;
        case '>':
            ent = "&gt;";
            break;
        case '"':
            ent = "&quot;";
            break;
        case '\'':
            ent = "&#39;";
            break;
        case '\0':
            ent = "";
            break;
        default:
            continue;
        }
        buf_append(out, s + from, i - from);
        buf_puts(out, ent);
        from = i + 1;
    }
    buf_append(out, s + from, n - from);
}

void html_puts(struct buf *out, const char *s)
{
    if (s)
        html_escape(out, s, strlen(s));
}
