/*
 * netaddr.h — IP addresses and networks as the edge sees them, and the
 * one rule that says who the client is behind a proxy.
 *
 * The workers are told the address of whatever connected to nginx
 * (REMOTE_ADDR). When that peer is a proxy we trust (the configuration's
 * `trusted_proxies`: a load balancer in front of nginx), the client is
 * named by X-Forwarded-For instead, which each proxy extends on the
 * right. Only the right end can be believed: everything to the left of
 * the first address a trusted proxy did not add is whatever the client
 * chose to send. So the client is the right-most address that is not
 * itself trusted; the peer itself when it is not trusted (a header sent
 * by anyone else is ignored, whatever it says).
 *
 * Not for: DNS names, ports, zone ids ("fe80::1%eth0") — such a list
 * element is garbage, and the walk stops at the last trusted address
 * before it. Everything here is pure: no allocation, no global state.
 */
#ifndef WUYE_NETADDR_H
#define WUYE_NETADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

/* Longest text of an address we print, with its NUL (INET6_ADDRSTRLEN). */
#define NETADDR_STRLEN 46
/* Most networks a list holds (a configuration line is 1 KiB at most). */
#define NETADDR_LIST_MAX 64

struct netaddr {
    int family;              /* AF_INET or AF_INET6; IPv4-mapped IPv6 is AF_INET */
    unsigned char bytes[16]; /* network order: 4 used for AF_INET */
};

struct netaddr_net {
    struct netaddr addr; /* host bits are zero */
    int prefix;          /* 0..32 or 0..128 */
};

struct netaddr_list {
    size_t n;
    struct netaddr_net nets[NETADDR_LIST_MAX];
};

/* Parse one address of len bytes (dotted IPv4 or IPv6 text, nothing
 * around it); false for anything else. "::ffff:1.2.3.4" becomes 1.2.3.4. */
bool netaddr_parse(const char *s, size_t len, struct netaddr *out);

/* Canonical text of a (inet_ntop: "2001:db8::1", never "2001:DB8:0::1"),
 * so that one client is one key for the rate limits. */
void netaddr_format(const struct netaddr *a, char out[NETADDR_STRLEN]);

/* Parse a comma-separated list of addresses and networks ("10.0.0.0/8,
 * 192.168.1.1, ::1, 2001:db8::/32"; spaces allowed, "" is the empty
 * list). -1 with e set (E_CONFIG) on a bad element, host bits set below
 * the prefix, an empty element or more than NETADDR_LIST_MAX. */
int netaddr_list_parse(const char *spec, struct netaddr_list *out, struct err *e);

/* True if a is in one of the networks of l. */
bool netaddr_list_contains(const struct netaddr_list *l, const struct netaddr *a);

/* The client's address: peer (REMOTE_ADDR as nginx gives it) unless peer
 * is in trusted; then the right-most address of xff (X-Forwarded-For, ""
 * or NULL when absent) that is not in trusted, or — when every address is
 * trusted, or the walk meets garbage — the last trusted one reached.
 * Returns peer itself, or out holding the canonical text. */
const char *netaddr_client(const struct netaddr_list *trusted, const char *peer, const char *xff,
                           char out[NETADDR_STRLEN]);

#endif
