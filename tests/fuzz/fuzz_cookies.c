/*
 * fuzz_cookies -- cookies_parse() (RFC 6265 pairs, no decoding): every
 * pair has a non-empty name without '=', ';', or surrounding blanks, a
 * value without ';'; at most one pair per ';'-separated piece; each
 * name and value occurs in the header; kvlist_get finds every name;
 * and a header rebuilt from the pairs parses to the same pairs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "request.h"

#include "fz.h"

static int
blank(char c)
{
	return c == ' ' || c == '\t';
}

static int
quoted_in(const char *h, const char *v)
{
	size_t n = strlen(v);
	const char *p;

	for (p = h; (p = strchr(p, '"')) != NULL; p++)
		if (strncmp(p + 1, v, n) == 0 && p[1 + n] == '"')
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arena *a;
	struct kvlist c, c2;
	char *s, *re, *end;
	size_t i, semis = 0, len = 1, kl, vl;

	if (a == NULL)
		a = arena_new(4096);
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	for (i = 0; s[i]; i++)
		semis += s[i] == ';';

	if (cookies_parse(a, s, &c) != 0)
		fz_fail("cookies_parse failed");
	if (c.count > semis + 1)
		fz_fail("%zu cookies from %zu pieces", c.count, semis + 1);
	for (i = 0; i < c.count; i++) {
		const char *k = c.items[i].key, *v = c.items[i].value;

		kl = strlen(k);
		vl = strlen(v);
		if (kl == 0 || strchr(k, '=') || strchr(k, ';') ||
		    blank(k[0]) || blank(k[kl - 1]))
			fz_fail("bad cookie name \"%s\"", k);
		if (strchr(v, ';'))
			fz_fail("';' in a cookie value");
		/* Blanks around a value survive only inside quotes. */
		if (vl > 0 && (blank(v[0]) || blank(v[vl - 1])) &&
		    !quoted_in(s, v))
			fz_fail("blank around a cookie value \"%s\"", v);
		if (FZ_CHECK(i, c.count) &&
		    (strstr(s, k) == NULL || strstr(s, v) == NULL))
			fz_fail("cookie not from the header");
		if (FZ_CHECK(i, c.count) && kvlist_get(&c, k) == NULL)
			fz_fail("kvlist_get misses a cookie");
		len += kl + vl + 6;
	}
	/* Rebuild "k=v; k=v" (values that were quoted come back bare: a
	 * value quoted twice loses one pair of quotes per parse, so stop at
	 * one round). */
	re = end = malloc(len);
	re[0] = '\0';
	for (i = 0; i < c.count; i++) {
		fz_append(&end, i ? "; " : "");
		const char *v = c.items[i].value;
		size_t n = strlen(v);
		int q = n > 0 && (blank(v[0]) || blank(v[n - 1]));

		fz_append(&end, c.items[i].key);
		fz_append(&end, q ? "=\"" : "=");
		fz_append(&end, v);
		fz_append(&end, q ? "\"" : "");
	}
	if (cookies_parse(a, re, &c2) != 0)
		fz_fail("rebuilt header does not parse");
	if (c2.count != c.count)
		fz_fail("rebuilt header: %zu pairs, not %zu", c2.count,
		    c.count);
	for (i = 0; i < c.count; i++) {
		const char *v = c.items[i].value;

		vl = strlen(v);
		if (strcmp(c2.items[i].key, c.items[i].key) != 0)
			fz_fail("rebuilt header changed name %zu", i);
		if (!(vl >= 2 && v[0] == '"' && v[vl - 1] == '"') &&
		    strcmp(c2.items[i].value, v) != 0)
			fz_fail("rebuilt header changed value %zu", i);
	}
	free(re);
	arena_reset(a);
	free(s);
	return 0;
}
