-- create.lua -- E3: POST /api/v1/projects, one valid project per request
-- (a new row, its first stage entry, its search index and audit entry,
-- committed with synchronous=FULL).
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

wrk.method = "POST"
wrk.path = "/api/v1/projects"
wrk.headers = bench.session_headers(true)
wrk.body = '{"name_zh": "基准压测新建项目", "name_en": "Bench load test project", ' ..
   '"investor": "基准压测企业 Bench Load Investor", "investor_type": "private", ' ..
   '"source_region": "hong_kong", "industry_chain": "new_energy_vehicles", ' ..
   '"district": "yubei", "notes": "bench/wrk/create.lua", ' ..
   '"key_levels": {"2021": "district"}}'
