/*
 * request.c -- parsing what a FastCGI request carries: the path, the
 * query string, cookies and the content type.  Pure functions over
 * strings and an arena, so the unit tests and the fuzzers reach them
 * without a server.
 */
#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "request.h"

/* Strict UTF-8: no overlongs, no surrogates, nothing above U+10FFFF. */
int
utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0, k, len;
	uint32_t cp;

	while (i < n) {
		unsigned char c = s[i];

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
		} else
			return 0;
		if (n - i < len)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Decodes s[0..n) into a new arena string.  plus_space: '+' is a space
 * (forms); no_slash: refuse %2F.  Refuses bad escapes, NUL and invalid
 * UTF-8 in the result.
 */
static char *
pct_decode(struct arena *a, const char *s, size_t n, int plus_space,
    int no_slash)
{
	char *out, *o;
	size_t i;
	int hi, lo;

	out = o = arena_alloc(a, n + 1);
	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (n - i < 3 || (hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0)
				return NULL;
			*o = (char)(hi << 4 | lo);
			if (*o == '\0' || (no_slash && *o == '/'))
				return NULL;
			o++;
			i += 2;
		} else if (s[i] == '+' && plus_space)
			*o++ = ' ';
		else if (s[i] == '\0')
			return NULL;
		else
			*o++ = s[i];
	}
	*o = '\0';
	if (!utf8_valid((unsigned char *)out, (size_t)(o - out)))
		return NULL;
	return out;
}

static void
kvlist_push(struct arena *a, struct kvlist *l, size_t *cap,
    const char *k, const char *v)
{
	struct kv *items;

	if (l->count == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		items = arena_alloc(a, *cap * sizeof(*items));
		if (l->count)
			memcpy(items, l->items, l->count * sizeof(*items));
		l->items = items;
	}
	l->items[l->count].key = k;
	l->items[l->count].value = v;
	l->count++;
}

int
query_parse(struct arena *a, const char *qs, struct kvlist *out)
{
	const char *p, *amp, *eq, *end;
	size_t cap = 0;
	char *k, *v;

	out->items = NULL;
	out->count = 0;
	if (qs == NULL)
		return 0;
	for (p = qs; *p != '\0'; p = *amp ? amp + 1 : amp) {
		amp = strchr(p, '&');
		if (amp == NULL)
			amp = p + strlen(p);
		if (amp == p)
			continue;		/* "a=1&&b=2" */
		eq = memchr(p, '=', (size_t)(amp - p));
		end = eq ? eq : amp;
		if ((k = pct_decode(a, p, (size_t)(end - p), 1, 0)) == NULL)
			return -1;
		if (eq) {
			v = pct_decode(a, eq + 1, (size_t)(amp - eq - 1), 1, 0);
			if (v == NULL)
				return -1;
		} else
			v = arena_strdup(a, "");
		kvlist_push(a, out, &cap, k, v);
	}
	return 0;
}

int
cookies_parse(struct arena *a, const char *h, struct kvlist *out)
{
	const char *p, *semi, *eq, *ks, *ke, *vs, *ve;
	size_t cap = 0;

	out->items = NULL;
	out->count = 0;
	if (h == NULL)
		return 0;
	for (p = h; *p != '\0'; p = *semi ? semi + 1 : semi) {
		semi = strchr(p, ';');
		if (semi == NULL)
			semi = p + strlen(p);
		eq = memchr(p, '=', (size_t)(semi - p));
		if (eq == NULL)
			continue;	/* not a cookie-pair; ignore, as browsers do */
		for (ks = p; ks < eq && (*ks == ' ' || *ks == '\t'); ks++)
			;
		for (ke = eq; ke > ks && (ke[-1] == ' ' || ke[-1] == '\t'); ke--)
			;
		for (vs = eq + 1; vs < semi && (*vs == ' ' || *vs == '\t'); vs++)
			;
		for (ve = semi; ve > vs && (ve[-1] == ' ' || ve[-1] == '\t'); ve--)
			;
		if (ve - vs >= 2 && *vs == '"' && ve[-1] == '"') {
			vs++;
			ve--;
		}
		if (ke == ks)
			continue;
		kvlist_push(a, out, &cap, arena_strndup(a, ks, (size_t)(ke - ks)),
		    arena_strndup(a, vs, (size_t)(ve - vs)));
	}
	return 0;
}

int
path_decode(struct arena *a, const char *raw, char **out)
{
	const char *q, *seg, *slash;
	char *p;
	size_t n, len;

	*out = NULL;
	if (raw == NULL || raw[0] != '/')
		return -1;
	q = strchr(raw, '?');
	n = q ? (size_t)(q - raw) : strlen(raw);
	if (memchr(raw, '#', n) != NULL)
		return -1;
	if ((p = pct_decode(a, raw, n, 0, 1)) == NULL)
		return -1;
	/* No "." or ".." segments and no empty inner segments ("//"): a
	 * path names exactly one resource. */
	for (seg = p + 1; ; seg = slash + 1) {
		slash = strchr(seg, '/');
		len = slash ? (size_t)(slash - seg) : strlen(seg);
		if ((len == 1 && seg[0] == '.') ||
		    (len == 2 && seg[0] == '.' && seg[1] == '.'))
			return -1;
		if (len == 0 && slash != NULL)
			return -1;
		if (slash == NULL)
			break;
	}
	*out = p;
	return 0;
}

char *
media_type(struct arena *a, const char *ct)
{
	const char *s, *e;
	char *m, *p;

	if (ct == NULL)
		return NULL;
	for (s = ct; *s == ' ' || *s == '\t'; s++)
		;
	for (e = s; *e != '\0' && *e != ';'; e++)
		;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	m = arena_strndup(a, s, (size_t)(e - s));
	for (p = m; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return m;
}

const char *
kvlist_get(const struct kvlist *l, const char *key)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		if (strcmp(l->items[i].key, key) == 0)
			return l->items[i].value;
	return NULL;
}

const char *
req_env(const struct bureau_req *req, const char *name)
{
	size_t n = strlen(name);
	char **e;

	if (req->envp == NULL)
		return NULL;
	for (e = req->envp; *e != NULL; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}
