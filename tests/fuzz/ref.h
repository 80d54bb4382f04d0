/*
 * ref.h -- reference decoders written from the documented contracts in
 * core/request.h, independently of core/request.c: the parsing targets
 * compare the core's answers with these (differential fuzzing).
 */
#ifndef BUREAU_FZ_REF_H
#define BUREAU_FZ_REF_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "fz.h"

static int
ref_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decodes s[0..n) into a malloc'd string; NULL when refused: an
 * escape that is not two hex digits, %00, an encoded '/' when no_slash,
 * or a result that is not strict UTF-8.
 */
static char *
ref_decode(const char *s, size_t n, int plus_space, int no_slash)
{
	char *out = malloc(n + 1);
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (n - i < 3)
				goto refuse;
			hi = ref_hex((unsigned char)s[i + 1]);
			lo = ref_hex((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				goto refuse;
			out[o] = (char)(hi * 16 + lo);
			if (out[o] == '\0' || (no_slash && out[o] == '/'))
				goto refuse;
			o++;
			i += 2;
		} else if (plus_space && s[i] == '+')
			out[o++] = ' ';
		else
			out[o++] = s[i];
	}
	out[o] = '\0';
	if (!fz_utf8_valid((const unsigned char *)out, o))
		goto refuse;
	return out;
refuse:
	free(out);
	return NULL;
}

#endif
