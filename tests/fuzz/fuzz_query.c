/*
 * fuzz_query -- query_parse() against a reference decoder: the same
 * accept/refuse decision and the same pairs, in order; every key and
 * value strict UTF-8; and what it decodes, re-encoded, parses back to
 * itself.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "request.h"

#include "fz.h"
#include "ref.h"

#define MAXPAIRS 4096

static int
ref_query(const char *qs, char **keys, char **vals, size_t *count)
{
	const char *p = qs, *amp, *eq, *end;
	size_t n = 0;

	while (*p != '\0') {
		amp = strchr(p, '&');
		end = amp ? amp : p + strlen(p);
		if (end != p) {
			eq = memchr(p, '=', (size_t)(end - p));
			if (n == MAXPAIRS)
				return -2;
			keys[n] = ref_decode(p, (size_t)((eq ? eq : end) - p),
			    1, 0);
			vals[n] = eq ? ref_decode(eq + 1,
			    (size_t)(end - eq - 1), 1, 0) : strdup("");
			if (keys[n] == NULL || vals[n] == NULL) {
				n++;
				*count = n;
				return -1;
			}
			n++;
		}
		p = amp ? amp + 1 : end;
	}
	*count = n;
	return 0;
}

static char *
encode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *o = malloc(strlen(s) * 3 + 1), *p = o;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.')
			*p++ = (char)c;
		else {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
	}
	*p = '\0';
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arena *a;
	static char *keys[MAXPAIRS], *vals[MAXPAIRS];
	struct kvlist q, q2;
	char *s, *re, *end, *e1, *e2;
	size_t n = 0, i, len;
	int rc, ref;

	if (a == NULL)
		a = arena_new(4096);
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';

	rc = query_parse(a, s, &q);
	ref = ref_query(s, keys, vals, &n);
	if (ref == -2)
		goto out;		/* beyond the reference's table */
	if ((rc == 0) != (ref == 0))
		fz_fail("query_parse %s what the reference %s: \"%s\"",
		    rc == 0 ? "accepts" : "refuses",
		    ref == 0 ? "accepts" : "refuses", s);
	if (rc == 0) {
		if (q.count != n)
			fz_fail("%zu pairs, reference %zu", q.count, n);
		len = 1;
		for (i = 0; i < n; i++) {
			if (strcmp(q.items[i].key, keys[i]) != 0 ||
			    strcmp(q.items[i].value, vals[i]) != 0)
				fz_fail("pair %zu differs from the reference",
				    i);
			if (!fz_utf8_valid((const unsigned char *)
			    q.items[i].key, strlen(q.items[i].key)) ||
			    !fz_utf8_valid((const unsigned char *)
			    q.items[i].value, strlen(q.items[i].value)))
				fz_fail("pair %zu is not UTF-8", i);
			if (FZ_CHECK(i, n) &&
			    kvlist_get(&q, q.items[i].key) == NULL)
				fz_fail("kvlist_get misses key %zu", i);
			len += 3 * (strlen(q.items[i].key) +
			    strlen(q.items[i].value)) + 2;
		}
		/* Round trip: encode everything and parse it again.  An
		 * empty key with an empty value vanishes ("=" encodes as
		 * "="... kept), so compare pair by pair. */
		re = end = malloc(len);
		re[0] = '\0';
		for (i = 0; i < n; i++) {
			e1 = encode(q.items[i].key);
			e2 = encode(q.items[i].value);
			fz_append(&end, i ? "&" : "");
			fz_append(&end, e1);
			fz_append(&end, "=");
			fz_append(&end, e2);
			free(e1);
			free(e2);
		}
		if (query_parse(a, re, &q2) != 0 || q2.count != q.count)
			fz_fail("re-encoded query does not parse back");
		for (i = 0; i < n; i++)
			if (strcmp(q.items[i].key, q2.items[i].key) != 0 ||
			    strcmp(q.items[i].value, q2.items[i].value) != 0)
				fz_fail("round trip changed pair %zu", i);
		free(re);
	}
out:
	for (i = 0; i < n; i++) {
		free(keys[i]);
		free(vals[i]);
		keys[i] = vals[i] = NULL;
	}
	arena_reset(a);
	free(s);
	return 0;
}
