-- mix.lua -- E5: 90 % reads, 10 % writes, in a fixed shuffled cycle.
--   reads:  30 % E1 (signed projects, newest signing first),
--           30 % E2 (report card 2021),
--           30 % one project's detail (random id in 1..BENCH_MAX_ID)
--   writes: 10 % a payment of 1 万元 on a signed project (BENCH_WRITE_IDS,
--           comma-separated ids with room under their contracted total):
--           a ledger write that changes the report card's roll-ups, in
--           the same transaction, with its audit entry.
-- The requests are formatted once per thread (a cycle of 1000), so wrk
-- spends nothing on Lua per request but picking the next one.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local E1 = "/api/v1/projects?stage=signed&limit=50&sort=-signed_on"
local E2 = "/api/v1/report-card?year=2021"
local cycle, pos = {}, 0
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("seed", counter)
end

function init(args)
   math.randomseed(tonumber(seed) or 1)
   local max_id = tonumber(bench.env("BENCH_MAX_ID", "1000"))
   local ids = {}
   for id in string.gmatch(bench.env("BENCH_WRITE_IDS", ""), "%d+") do
      ids[#ids + 1] = id
   end
   local get = bench.session_headers(false)
   local post = bench.session_headers(true)
   local kinds = {}
   for i = 1, 1000 do kinds[i] = (i - 1) % 10 end   -- 0..8 reads, 9 write
   for i = #kinds, 2, -1 do                        -- shuffle
      local j = math.random(i)
      kinds[i], kinds[j] = kinds[j], kinds[i]
   end
   for i, k in ipairs(kinds) do
      if k < 3 then
         cycle[i] = wrk.format("GET", E1, get)
      elseif k < 6 then
         cycle[i] = wrk.format("GET", E2, get)
      elseif k < 9 or #ids == 0 then
         cycle[i] = wrk.format("GET", "/api/v1/projects/" ..
            math.random(max_id), get)
      else
         cycle[i] = wrk.format("POST", "/api/v1/projects/" ..
            ids[math.random(#ids)] .. "/payments", post,
            '{"paid_on": "2021-06-30", "amount_wan": 1, ' ..
            '"evidence": "bench/wrk/mix.lua"}')
      end
   end
end

function request()
   pos = pos % #cycle + 1
   return cycle[pos]
end
