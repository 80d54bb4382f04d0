/*
 * fuzz_path -- path_decode() against a reference: the same decision and
 * the same decoded path; a decoded path starts with '/', is strict
 * UTF-8, has exactly the '/' of the raw path (an encoded slash never
 * becomes a separator), no "." or ".." segment and no empty inner one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "request.h"

#include "fz.h"
#include "ref.h"

static char *
ref_path(const char *raw)
{
	const char *q;
	char *p, *seg, *slash;
	size_t n, len;

	if (raw[0] != '/')
		return NULL;
	q = strchr(raw, '?');
	n = q ? (size_t)(q - raw) : strlen(raw);
	if (memchr(raw, '#', n) != NULL)
		return NULL;
	if ((p = ref_decode(raw, n, 0, 1)) == NULL)
		return NULL;
	for (seg = p + 1;; seg = slash + 1) {
		slash = strchr(seg, '/');
		len = slash ? (size_t)(slash - seg) : strlen(seg);
		if ((len == 1 && seg[0] == '.') ||
		    (len == 2 && seg[0] == '.' && seg[1] == '.') ||
		    (len == 0 && slash != NULL)) {
			free(p);
			return NULL;
		}
		if (slash == NULL)
			break;
	}
	return p;
}

static size_t
count_char(const char *s, size_t n, char c)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += s[i] == c;
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arena *a;
	char *s, *out = NULL, *ref;
	const char *q;
	size_t rawlen;
	int rc;

	if (a == NULL)
		a = arena_new(4096);
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';

	rc = path_decode(a, s, &out);
	ref = ref_path(s);
	if ((rc == 0) != (ref != NULL))
		fz_fail("path_decode %s what the reference %s: \"%s\"",
		    rc == 0 ? "accepts" : "refuses",
		    ref ? "accepts" : "refuses", s);
	if (rc == 0) {
		if (out == NULL || strcmp(out, ref) != 0)
			fz_fail("decoded path differs from the reference");
		if (out[0] != '/' || !fz_utf8_valid((unsigned char *)out,
		    strlen(out)))
			fz_fail("decoded path not '/' + UTF-8");
		q = strchr(s, '?');
		rawlen = q ? (size_t)(q - s) : strlen(s);
		if (count_char(out, strlen(out), '/') !=
		    count_char(s, rawlen, '/'))
			fz_fail("a '/' appeared or vanished in decoding");
		if (strstr(out, "//") || strstr(out, "/./") ||
		    strstr(out, "/../"))
			fz_fail("empty or dot segment in a decoded path");
	} else if (out != NULL)
		fz_fail("refused path with an output");
	free(ref);
	arena_reset(a);
	free(s);
	return 0;
}
