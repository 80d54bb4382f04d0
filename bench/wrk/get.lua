-- get.lua -- one GET, repeated: E1, E2 and the two peers.
--   BENCH_PATH  the path and query, e.g.
--               /api/v1/projects?stage=signed&limit=50&sort=-signed_on
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

wrk.method = "GET"
wrk.path = bench.env("BENCH_PATH", "/")
wrk.headers = bench.session_headers(false)
