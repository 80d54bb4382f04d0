/*
 * password.c -- password hashing (Argon2id through libsodium) and the
 * rules a new password must pass.
 *
 * Rules (DESIGN.md, NIST SP 800-63B): 12..128 Unicode code points of
 * valid UTF-8 without control characters, no composition rules, and not
 * a common or dictionary-derived password (cracklib with Debian's
 * dictionary).  Passwords are not normalised (no ICU here): the same
 * keyboard gives the same bytes, which is what matters in practice.
 *
 * Plaintext never leaves the caller's buffers except into libsodium and
 * cracklib; copies we make are wiped with sodium_memzero.
 */
#include <ctype.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <crack.h>
#include <sodium.h>

#include "auth.h"
#include "log.h"

#define PW_MIN_CHARS	12
#define PW_MAX_CHARS	128

/*
 * FascistCheck keeps static state (and may call getpwuid); one call at a
 * time per process.  It is only run for new passwords, which are rare.
 */
static pthread_mutex_t	crack_lock = PTHREAD_MUTEX_INITIALIZER;
static int		crack_ok = -1;	/* -1 unknown, 0 no dictionary, 1 ok;
					 * under crack_lock */
/* Set by auth_password_dummy_init before threads start. */
static char		dummy_hash[crypto_pwhash_STRBYTES];
static int		dummy_ready;

long
auth_utf8_len(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	long n = 0;

	while (i < len) {
		unsigned c = p[i];
		unsigned cp, need, k;

		if (c < 0x80) {
			i++;
			n++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			cp = c & 0x07;
		} else
			return -1;	/* continuation, overlong lead, > U+10FFFF */
		if (len - i <= need)
			return -1;
		for (k = 1; k <= need; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return -1;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		/* Overlong 3/4-byte forms, surrogates, beyond Unicode. */
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return -1;
		i += need + 1;
		n++;
	}
	return n;
}

static int
password_has_control(const char *pw)
{
	const unsigned char *p;

	for (p = (const unsigned char *)pw; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 1;
	return 0;
}

/* cracklib's reasons, in words for the user.  Its "too short" family
 * cannot fire after our 12-character minimum and is ignored. */
static const char *
password_crack_reason(const char *msg)
{
	if (strstr(msg, "short") != NULL)
		return NULL;
	if (strstr(msg, "dictionary") != NULL)
		return "password is based on a dictionary word";
	if (strstr(msg, "DIFFERENT") != NULL)
		return "password has too few different characters";
	if (strstr(msg, "simplistic") != NULL ||
	    strstr(msg, "systematic") != NULL)
		return "password is too simple";
	if (strstr(msg, "username") != NULL || strstr(msg, "GECOS") != NULL ||
	    strstr(msg, "gecos") != NULL)
		return "password is based on the user name";
	if (strstr(msg, "whitespace") != NULL)
		return "password is all whitespace";
	return "password is too easy to guess";
}

/* With crack_lock held: is the dictionary there?  Without it
 * FascistCheck fails on every password (Debian #682735). */
static void
password_crack_probe(void)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s.pwd", GetDefaultCracklibDict());
	crack_ok = access(path, R_OK) == 0;
	if (!crack_ok)
		log_err("password: cracklib dictionary %s missing: common "
		    "passwords are NOT refused (install cracklib-runtime)",
		    path);
}

/*
 * cracklib judges a long password as a whole: "password1234" and
 * "passwordpassword" pass it.  So the word inside is checked too: the
 * password without leading and trailing digits, symbols and spaces, and
 * the unit of a repetition of letters ("dragon-dragon" -> "dragon").
 * Only a dictionary hit counts here; passphrases of several words
 * ("correct horse battery staple") stay acceptable.  Under crack_lock.
 */
static const char *
password_crack_core(const char *pw)
{
	char core[PW_MAX_CHARS * 4 + 1], letters[PW_MAX_CHARS * 4 + 1];
	const char *msg, *reason = NULL;
	size_t b, e, i, n, unit;

	n = strlen(pw);
	if (n >= sizeof(core))
		return NULL;
	for (b = 0; b < n && !isalpha((unsigned char)pw[b]); b++)
		;
	for (e = n; e > b && !isalpha((unsigned char)pw[e - 1]); e--)
		;
	memcpy(core, pw + b, e - b);
	core[e - b] = '\0';
	for (i = 0, n = 0; core[i] != '\0'; i++)
		if (isalpha((unsigned char)core[i]))
			letters[n++] = core[i];
	letters[n] = '\0';
	/* The shortest unit the letters repeat. */
	for (unit = 1; unit < n; unit++) {
		if (n % unit != 0)
			continue;
		for (i = unit; i < n && letters[i] == letters[i - unit]; i++)
			;
		if (i == n)
			break;
	}
	letters[unit < n ? unit : n] = '\0';
	if (strlen(core) >= 4 && strcmp(core, pw) != 0 &&
	    (msg = FascistCheck(core, GetDefaultCracklibDict())) != NULL &&
	    strstr(msg, "dictionary") != NULL)
		reason = "password is based on a common word or password";
	if (reason == NULL && strlen(letters) >= 4 &&
	    strcmp(letters, core) != 0 &&
	    (msg = FascistCheck(letters, GetDefaultCracklibDict())) != NULL &&
	    strstr(msg, "dictionary") != NULL)
		reason = "password is based on a common word or password";
	sodium_memzero(core, sizeof(core));
	sodium_memzero(letters, sizeof(letters));
	return reason;
}

int
auth_password_acceptable(const char *pw, const char *username,
    const char **why)
{
	const char *msg = NULL, *reason = NULL;
	long n;

	*why = NULL;
	n = auth_utf8_len(pw, strlen(pw));
	if (n < 0) {
		*why = "password is not valid UTF-8";
		return -1;
	}
	if (n < PW_MIN_CHARS) {
		*why = "password must have at least 12 characters";
		return -1;
	}
	if (n > PW_MAX_CHARS) {
		*why = "password must have at most 128 characters";
		return -1;
	}
	if (password_has_control(pw)) {
		*why = "password must not contain control characters";
		return -1;
	}
	if (username != NULL && *username != '\0' &&
	    strcasestr(pw, username) != NULL) {
		*why = "password must not contain the user name";
		return -1;
	}
	pthread_mutex_lock(&crack_lock);
	if (crack_ok == -1)
		password_crack_probe();
	if (crack_ok == 1) {
		msg = FascistCheckUser(pw, GetDefaultCracklibDict(),
		    username != NULL && *username != '\0' ? username : "bureau",
		    NULL);
		/* cracklib's messages are static strings. */
		reason = msg != NULL ? password_crack_reason(msg) : NULL;
		if (reason == NULL)
			reason = password_crack_core(pw);
	}
	pthread_mutex_unlock(&crack_lock);
	if (reason != NULL) {
		*why = reason;
		return -1;
	}
	return 0;
}

int
auth_password_hash(const struct config *cfg, const char *pw, char *out)
{
	if (crypto_pwhash_str(out, pw, strlen(pw), cfg->pw_opslimit,
	    cfg->pw_memlimit) != 0) {
		log_err("password: crypto_pwhash_str failed (out of memory?)");
		return -1;
	}
	return 0;
}

int
auth_password_verify(const char *hash, const char *pw)
{
	return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0 ? 0 : -1;
}

int
auth_password_needs_rehash(const struct config *cfg, const char *hash)
{
	/* 1: other parameters; -1: not an Argon2id string -- rehash too. */
	return crypto_pwhash_str_needs_rehash(hash, cfg->pw_opslimit,
	    cfg->pw_memlimit) != 0;
}

void
auth_password_dummy_verify(const char *pw)
{
	/* Same parameters as a real hash, so it costs the same. */
	volatile int rc = 0;

	/* The result is meaningless; kept so the call is not optimised out. */
	if (dummy_ready)
		rc = crypto_pwhash_str_verify(dummy_hash, pw, strlen(pw));
	(void)rc;
	log_debug("login: dummy verify");
}

int
auth_password_generate(char *out, size_t outlen)
{
	/* No 0/O, 1/l/i: read aloud and typed from a screen. 32 symbols,
	 * 16 of them: 80 bits. */
	static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
	const size_t nsym = sizeof(alphabet) - 1;
	const char *why;
	size_t i, j;
	int tries;

	if (outlen < 20)
		return -1;
	for (tries = 0; tries < 20; tries++) {
		for (i = 0, j = 0; i < 16; i++) {
			if (i > 0 && i % 4 == 0)
				out[j++] = '-';
			out[j++] = alphabet[randombytes_uniform((uint32_t)nsym)];
		}
		out[j] = '\0';
		if (auth_password_acceptable(out, NULL, &why) == 0)
			return 0;
	}
	sodium_memzero(out, outlen);
	return -1;
}

int
auth_password_init(const struct config *cfg)
{
	(void)cfg;
	if (sodium_init() < 0)
		return -1;
	pthread_mutex_lock(&crack_lock);
	if (crack_ok == -1)
		password_crack_probe();
	pthread_mutex_unlock(&crack_lock);
	return 0;
}

int
auth_password_dummy_init(const struct config *cfg)
{
	char pw[32];

	if (!dummy_ready) {
		randombytes_buf(pw, sizeof(pw));
		if (crypto_pwhash_str(dummy_hash, pw, sizeof(pw),
		    cfg->pw_opslimit, cfg->pw_memlimit) != 0) {
			log_err("password: cannot compute the dummy hash");
			return -1;
		}
		sodium_memzero(pw, sizeof(pw));
		dummy_ready = 1;
	}
	return 0;
}
