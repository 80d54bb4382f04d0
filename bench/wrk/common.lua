-- common.lua -- shared by bench/wrk/*.lua (loaded with dofile).
--
-- bench/run passes everything through the environment:
--   BENCH_COOKIE   "name=value" of a logged-in session
--   BENCH_CSRF     that session's CSRF token (unsafe methods)
--   BENCH_ORIGIN   the portal's origin (unsafe methods and login)
-- and reads one line "BENCHJSON {...}" that done() prints: requests,
-- duration, errors by kind and latency percentiles in microseconds.

bench = {}

function bench.env(name, default)
   local v = os.getenv(name)
   if v == nil or v == "" then return default end
   return v
end

function bench.session_headers(unsafe)
   local h = {}
   local cookie = bench.env("BENCH_COOKIE")
   if cookie then h["Cookie"] = cookie end
   if unsafe then
      h["Origin"] = bench.env("BENCH_ORIGIN", "http://127.0.0.1")
      h["X-CSRF-Token"] = bench.env("BENCH_CSRF", "")
      h["Content-Type"] = "application/json"
   end
   return h
end

function done(summary, latency, requests)
   local e = summary.errors
   local p = {}
   for _, q in ipairs({50, 90, 99, 99.9}) do
      p[#p + 1] = string.format('"%s": %d', tostring(q), latency:percentile(q))
   end
   io.write(string.format(
      'BENCHJSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
      '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, ' ..
      '"timeout": %d}, "latency_us": {"mean": %.1f, "max": %d, %s}}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency.mean, latency.max, table.concat(p, ", ")))
end
