/*
 * fuzz_media_type -- media_type(): the part before the first ';',
 * without surrounding blanks, in lower case; never longer than the
 * input; NULL only for NULL.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "request.h"

#include "fz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arena *a;
	char *s, *m;
	const char *b, *e;
	size_t i, n;

	if (a == NULL)
		a = arena_new(4096);
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	if (media_type(a, NULL) != NULL)
		fz_fail("media_type(NULL) is not NULL");
	if ((m = media_type(a, s)) == NULL)
		fz_fail("media_type refused a string");
	for (b = s; *b == ' ' || *b == '\t'; b++)
		;
	for (e = b; *e && *e != ';'; e++)
		;
	while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	n = (size_t)(e - b);
	if (strlen(m) != n)
		fz_fail("media type of length %zu, expected %zu", strlen(m),
		    n);
	for (i = 0; i < n; i++)
		if (m[i] != (char)tolower((unsigned char)b[i]))
			fz_fail("media type differs at %zu", i);
	if (strchr(m, ';'))
		fz_fail("';' in a media type");
	arena_reset(a);
	free(s);
	return 0;
}
