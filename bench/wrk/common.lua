-- Shared by the bench/wrk scripts (loaded with dofile): per-thread counts from a response() hook
-- (2xx/3xx, other statuses, X-SQL-Queries) and one JSON line from done(), prefixed "BENCH_JSON ",
-- that bench/run.py reads.
local common = {}
local threads = {}
local next_id = 0

function common.setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end

-- per-thread counters (each thread has its own Lua state)
ok, other, sql_sum, sql_counted, sql_zero = 0, 0, 0, 0, 0

function common.count(status, headers)
  if status >= 200 and status < 400 then ok = ok + 1 else other = other + 1 end
  local queries = headers["X-SQL-Queries"] or headers["x-sql-queries"]
  if queries then
    local n = tonumber(queries)
    sql_sum = sql_sum + n
    sql_counted = sql_counted + 1
    if n == 0 then sql_zero = sql_zero + 1 end
  end
end

function common.response(status, headers, body)
  common.count(status, headers)
end

local function total(name)
  local sum = 0
  for _, thread in ipairs(threads) do sum = sum + (thread:get(name) or 0) end
  return sum
end

function common.done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_s":%.3f,"rps":%.1f,"bytes":%d,"p50_ms":%.3f,"p90_ms":%.3f,' ..
    '"p99_ms":%.3f,"max_ms":%.3f,"mean_ms":%.3f,"ok_2xx_3xx":%d,"other_status":%d,"wrk_status_errors":%d,' ..
    '"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},' ..
    '"sql_queries_sum":%d,"sql_counted":%d,"sql_zero":%d}\n',
    summary.requests, seconds, summary.requests / seconds, summary.bytes,
    latency:percentile(50) / 1e3, latency:percentile(90) / 1e3, latency:percentile(99) / 1e3,
    latency.max / 1e3, latency.mean / 1e3, total("ok"), total("other"), e.status,
    e.connect, e.read, e.write, e.timeout, total("sql_sum"), total("sql_counted"), total("sql_zero")))
end

-- Lines of a file, without empty ones.
function common.lines(path)
  local items = {}
  for line in io.lines(path) do
    if line ~= "" then table.insert(items, line) end
  end
  return items
end

return common
