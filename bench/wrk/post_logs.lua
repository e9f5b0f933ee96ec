-- POST workout logs for one user, each with a client id (the API's idempotency key) no other
-- request has: PREFIX-PHASE-<thread>-8000-<counter>. The id of each acknowledged (2xx) log is
-- appended to ACKED_FILE.<thread>, so that bench/run.py can check every one is stored once.
--   wrk ... -s post_logs.lua http://127.0.0.1:8010/api/v1/users/<id>/workout-logs -- \
--       PLAN_EXERCISE_IDS(comma-separated) DATE PREFIX(8 hex) PHASE(4 hex) ACKED_FILE
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")
setup, done = common.setup, common.done

local plan_exercises, date, prefix, phase, acked = {}, nil, nil, nil, nil
local n = 0

function init(args)
  for value in string.gmatch(args[1], "[^,]+") do table.insert(plan_exercises, value) end
  date, prefix, phase = args[2], args[3], args[4]
  acked = io.open(string.format("%s.%d", args[5], id), "w")
end

function request()
  n = n + 1
  local body = string.format(
    '{"id":"%s-%s-%04x-8000-%012x","plan_exercise_id":%s,"date_performed":"%s",' ..
    '"sets_completed":%d,"reps_completed":%d,"weight_kg":%d,"rpe":%d}',
    prefix, phase, id, n, plan_exercises[(n % #plan_exercises) + 1], date, 3 + n % 3, 6 + n % 7, 20 + n % 80,
    6 + n % 4)
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  common.count(status, headers)
  if status >= 200 and status < 300 then
    local log_id = string.match(body, '"id":"([0-9a-f-]+)"')
    if log_id then acked:write(string.format("%d %s\n", status, log_id)) end
  end
end
