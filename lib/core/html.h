/*
 * html.h — text into HTML (the receipt print page, PAY-7): the five
 * characters that can end a text or an attribute value (& < > " ') become
 * entities, everything else is copied as it is (the page is UTF-8). What a
 * user typed — a payer's name, a note — can then never become markup.
 */
#ifndef WUYE_HTML_H
#define WUYE_HTML_H

#include <stddef.h>

#include "core/buf.h"

/* Append s (n bytes) to out, escaped; NUL bytes are dropped. */
void html_escape(struct buf *out, const char *s, size_t n);
/* The same for a NUL-terminated string (NULL appends nothing). */
void html_puts(struct buf *out, const char *s);

#endif
