/* Unit tests: password rules, Argon2id hashing and rehash detection,
 * generated passwords, the cross-process hash cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <sodium.h>

#include "auth.h"
#include "config.h"
#include "hashcap.h"

static struct config cfg;

static int
setup(void **state)
{
	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	/* Small parameters: the tests are about behaviour, not cost. */
	cfg.pw_opslimit = 1;
	cfg.pw_memlimit = 8192 * 8;
	if (auth_password_init(&cfg) != 0 ||
	    auth_password_dummy_init(&cfg) != 0)
		return -1;
	return 0;
}

static void
test_utf8_len(void **state)
{
	(void)state;
	assert_int_equal(auth_utf8_len("abc", 3), 3);
	assert_int_equal(auth_utf8_len("重庆市", strlen("重庆市")), 3);
	assert_int_equal(auth_utf8_len("\xf0\x9f\x98\x80", 4), 1);	/* U+1F600 */
	assert_int_equal(auth_utf8_len("\xc0\xaf", 2), -1);		/* overlong */
	assert_int_equal(auth_utf8_len("\xe0\x80\xaf", 3), -1);	/* overlong */
	assert_int_equal(auth_utf8_len("\xed\xa0\x80", 3), -1);	/* surrogate */
	assert_int_equal(auth_utf8_len("\xf4\x90\x80\x80", 4), -1);	/* > U+10FFFF */
	assert_int_equal(auth_utf8_len("\xe9\x87", 2), -1);		/* truncated */
	assert_int_equal(auth_utf8_len("\x80", 1), -1);
}

static void
test_rules_length_in_code_points(void **state)
{
	const char *why;
	char long_pw[200];

	(void)state;
	assert_int_equal(auth_password_acceptable("short-pw", "u", &why), -1);
	assert_non_null(why);
	/* 11 characters: too short. */
	assert_int_equal(auth_password_acceptable("vq7-kx2-mzp", NULL, &why),
	    -1);
	/* 12 Chinese characters are 36 bytes and 12 code points: enough;
	 * 4 are 12 bytes and still too short. */
	assert_int_equal(auth_password_acceptable("招商投资促进局重庆两江新区",
	    NULL, &why), 0);
	assert_int_equal(auth_password_acceptable("招商投资", NULL, &why), -1);
	memset(long_pw, 'x', sizeof(long_pw));
	long_pw[129] = '\0';
	assert_int_equal(auth_password_acceptable(long_pw, NULL, &why), -1);
	assert_int_equal(auth_password_acceptable("\xc0\xafvq7-kx2-mzp-rt", NULL,
	    &why), -1);
	assert_int_equal(auth_password_acceptable("vq7-kx2\tmzp-rt9", NULL,
	    &why), -1);
}

static void
test_rules_common_and_username(void **state)
{
	const char *why;

	(void)state;
	assert_int_equal(auth_password_acceptable("vq7-kx2-mzp-rt9w", NULL,
	    &why), 0);
	/* Dictionary-derived: refused by cracklib. */
	assert_int_equal(auth_password_acceptable("password1234", NULL, &why),
	    -1);
	assert_int_equal(auth_password_acceptable("Password2024!", NULL,
	    &why), -1);
	assert_int_equal(auth_password_acceptable("passwordpassword", NULL,
	    &why), -1);
	assert_int_equal(auth_password_acceptable("dragon-dragon-1", NULL,
	    &why), -1);
	assert_int_equal(auth_password_acceptable("123456789012", NULL,
	    &why), -1);
	assert_int_equal(auth_password_acceptable("aaaaaaaaaaaaaaaa", NULL,
	    &why), -1);
	/* Passphrases of several words are fine. */
	assert_int_equal(auth_password_acceptable(
	    "correct horse battery staple", NULL, &why), 0);
	assert_int_equal(auth_password_acceptable("alice-vq7-kx2-mzp",
	    "alice", &why), -1);
}

static void
test_hash_verify_rehash(void **state)
{
	char h[crypto_pwhash_STRBYTES];
	struct config other;

	(void)state;
	assert_int_equal(auth_password_hash(&cfg, "vq7-kx2-mzp-rt9w", h), 0);
	assert_memory_equal(h, "$argon2id$", 10);
	assert_int_equal(auth_password_verify(h, "vq7-kx2-mzp-rt9w"), 0);
	assert_int_equal(auth_password_verify(h, "vq7-kx2-mzp-rt9x"), -1);
	assert_int_equal(auth_password_needs_rehash(&cfg, h), 0);
	other = cfg;
	other.pw_opslimit = 2;
	assert_int_equal(auth_password_needs_rehash(&other, h), 1);
	assert_int_equal(auth_password_needs_rehash(&cfg, "not a hash"), 1);
	auth_password_dummy_verify("anything");	/* must not crash */
}

static void
test_generate(void **state)
{
	char pw[32], pw2[32];
	const char *why;

	(void)state;
	assert_int_equal(auth_password_generate(pw, sizeof(pw)), 0);
	assert_int_equal(strlen(pw), 19);
	assert_int_equal(auth_password_acceptable(pw, NULL, &why), 0);
	assert_int_equal(auth_password_generate(pw2, sizeof(pw2)), 0);
	assert_string_not_equal(pw, pw2);
	assert_int_equal(auth_password_generate(pw, 8), -1);
}

static void
test_hashcap(void **state)
{
	char path[] = "/tmp/bureau-hashcap-XXXXXX";
	int fd, semid, semid2, status;
	pid_t pid;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	semid = hashcap_create(path, 2);
	assert_true(semid >= 0);
	assert_int_equal(hashcap_free_slots(semid), 2);
	/* A second opener finds the same set. */
	semid2 = hashcap_create(path, 2);
	assert_int_equal(semid2, semid);

	assert_int_equal(hashcap_try_acquire(semid), 0);
	assert_int_equal(hashcap_try_acquire(semid), 0);
	assert_int_equal(hashcap_try_acquire(semid), -1);	/* no waiting */
	hashcap_release(semid);
	assert_int_equal(hashcap_free_slots(semid), 1);

	/* A process that dies holding a slot gives it back (SEM_UNDO). */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (hashcap_try_acquire(semid) != 0)
			_exit(2);
		kill(getpid(), SIGKILL);
		_exit(3);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(hashcap_free_slots(semid), 1);
	hashcap_release(semid);
	assert_int_equal(hashcap_free_slots(semid), 2);

	/* Re-opened with another cap: adjusted by the difference. */
	assert_int_equal(hashcap_create(path, 3), semid);
	assert_int_equal(hashcap_free_slots(semid), 3);

	assert_int_equal(hashcap_remove(semid), 0);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_len),
		cmocka_unit_test(test_rules_length_in_code_points),
		cmocka_unit_test(test_rules_common_and_username),
		cmocka_unit_test(test_hash_verify_rehash),
		cmocka_unit_test(test_generate),
		cmocka_unit_test(test_hashcap),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
