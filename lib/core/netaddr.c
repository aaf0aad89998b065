/* netaddr.c — see netaddr.h. */
#include "core/netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

static const unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool netaddr_parse(const char *s, size_t len, struct netaddr *out)
{
    char text[NETADDR_STRLEN];

    memset(out, 0, sizeof(*out));
    if (len == 0 || len >= sizeof(text) || memchr(s, '\0', len))
        return false;
    memcpy(text, s, len);
    text[len] = '\0';
    if (inet_pton(AF_INET, text, out->bytes) == 1) {
        out->family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, text, out->bytes) != 1)
        return false;
    if (memcmp(out->bytes, v4_mapped, sizeof(v4_mapped)) == 0) {
        memmove(out->bytes, out->bytes + 12, 4);
        memset(out->bytes + 4, 0, 12);
        out->family = AF_INET;
        return true;
    }
    out->family = AF_INET6;
    return true;
}

void netaddr_format(const struct netaddr *a, char out[NETADDR_STRLEN])
{
    if (!inet_ntop(a->family, a->bytes, out, NETADDR_STRLEN))
        out[0] = '\0'; /* cannot happen for a parsed address */
}

static int max_prefix(const struct netaddr *a)
{
    return a->family == AF_INET ? 32 : 128;
}

/* True if the first prefix bits of a and b are equal. */
static bool same_prefix(const unsigned char *a, const unsigned char *b, int prefix)
{
    int whole = prefix / 8, rest = prefix % 8;

    if (memcmp(a, b, (size_t)whole) != 0)
        return false;
    if (rest == 0)
        return true;
    return ((a[whole] ^ b[whole]) & (0xff << (8 - rest)) & 0xff) == 0;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* One list element, trimmed: "addr" or "addr/prefix". */
static int parse_net(const char *s, size_t len, struct netaddr_net *out, struct err *e)
{
    const char *slash = memchr(s, '/', len);
    size_t alen = slash ? (size_t)(slash - s) : len;
    int prefix = -1;
    bool mapped;

    if (!netaddr_parse(s, alen, &out->addr))
        return err_setf(e, E_CONFIG, "trusted_proxies: not an IP address: %.*s", (int)len, s);
    /* An IPv4-mapped network is written with an IPv6 prefix (::ffff:10.0.0.0/104). */
    mapped = out->addr.family == AF_INET && memchr(s, ':', alen);
    if (slash) {
        const char *p = slash + 1, *end = s + len;
        if (p == end || end - p > 3)
            return err_setf(e, E_CONFIG, "trusted_proxies: bad prefix length in %.*s", (int)len, s);
        prefix = 0;
        for (; p < end; p++) {
            if (*p < '0' || *p > '9')
                return err_setf(e, E_CONFIG, "trusted_proxies: bad prefix length in %.*s", (int)len,
                                s);
            prefix = prefix * 10 + (*p - '0');
        }
        if (mapped) {
            if (prefix < 96 || prefix > 128)
                return err_setf(e, E_CONFIG, "trusted_proxies: bad prefix length in %.*s", (int)len,
                                s);
            prefix -= 96;
        }
        if (prefix > max_prefix(&out->addr))
            return err_setf(e, E_CONFIG, "trusted_proxies: bad prefix length in %.*s", (int)len, s);
    } else {
        prefix = max_prefix(&out->addr);
    }
    /* 10.0.0.1/8 is a typo for 10.0.0.0/8 or for 10.0.0.1: say so. */
    if (prefix < max_prefix(&out->addr)) {
        unsigned char masked[16];
        int whole = prefix / 8, rest = prefix % 8, size = max_prefix(&out->addr) / 8;

        memcpy(masked, out->addr.bytes, sizeof(masked));
        if (rest)
            masked[whole++] &= (unsigned char)(0xff << (8 - rest));
        memset(masked + whole, 0, (size_t)(size - whole));
        if (memcmp(masked, out->addr.bytes, (size_t)size) != 0)
            return err_setf(e, E_CONFIG, "trusted_proxies: %.*s has host bits set below /%d",
                            (int)len, s, prefix);
    }
    out->prefix = prefix;
    return 0;
}

int netaddr_list_parse(const char *spec, struct netaddr_list *out, struct err *e)
{
    const char *p = spec;

    memset(out, 0, sizeof(*out));
    while (is_space(*p))
        p++;
    if (*p == '\0')
        return 0;
    for (;;) {
        const char *start = p, *end;
        size_t len;

        while (*p && *p != ',')
            p++;
        end = p;
        while (start < end && is_space(*start))
            start++;
        while (end > start && is_space(end[-1]))
            end--;
        len = (size_t)(end - start);
        if (len == 0)
            return err_setf(e, E_CONFIG, "trusted_proxies: empty element in the list");
        if (out->n == NETADDR_LIST_MAX)
            return err_setf(e, E_CONFIG, "trusted_proxies: more than %d networks",
                            NETADDR_LIST_MAX);
        if (parse_net(start, len, &out->nets[out->n], e) < 0)
            return -1;
        out->n++;
        if (*p == '\0')
            return 0;
        p++; /* the comma */
    }
}

bool netaddr_list_contains(const struct netaddr_list *l, const struct netaddr *a)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->nets[i].addr.family == a->family &&
            same_prefix(l->nets[i].addr.bytes, a->bytes, l->nets[i].prefix))
            return true;
    return false;
}

const char *netaddr_client(const struct netaddr_list *trusted, const char *peer, const char *xff,
                           char out[NETADDR_STRLEN])
{
    struct netaddr last, a;
    const char *end;

    if (trusted->n == 0 || !netaddr_parse(peer, strlen(peer), &last) ||
        !netaddr_list_contains(trusted, &last))
        return peer;
    /* Walk the list from its right end; empty elements are skipped, as
     * HTTP's list syntax asks of a recipient. */
    end = xff ? xff + strlen(xff) : NULL;
    while (end && end > xff) {
        const char *start = end, *elem_end = end;

        while (start > xff && start[-1] != ',')
            start--;
        end = start > xff ? start - 1 : NULL; /* before the comma, or done */
        while (start < elem_end && is_space(*start))
            start++;
        while (elem_end > start && is_space(elem_end[-1]))
            elem_end--;
        if (elem_end == start)
            continue;
        if (!netaddr_parse(start, (size_t)(elem_end - start), &a))
            break; /* garbage: nothing to its left can be believed */
        last = a;
        if (!netaddr_list_contains(trusted, &a))
            break;
    }
    netaddr_format(&last, out);
    return out;
}
