-- login.lua -- E4: POST /api/v1/auth/login with the bench account's
-- correct password (a full Argon2id verify, a new session, an audit
-- entry).  No cookie: every request is a fresh sign-in.
--   BENCH_USER, BENCH_PASSWORD
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

wrk.method = "POST"
wrk.path = "/api/v1/auth/login"
wrk.headers = {
   ["Content-Type"] = "application/json",
   ["Origin"] = bench.env("BENCH_ORIGIN", "http://127.0.0.1"),
}
wrk.body = string.format('{"username": "%s", "password": "%s"}',
   bench.env("BENCH_USER", "bench"), bench.env("BENCH_PASSWORD", ""))
