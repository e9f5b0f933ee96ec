-- POST /api/v1/ai/suggest-exercises with a body no other request of the run sends (the muscle
-- varies, the context carries a unique number), so the anonymous answer cache never answers.
--   wrk ... -s suggest.lua http://127.0.0.1:8010/api/v1/ai/suggest-exercises -- TAG
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")
setup, response, done = common.setup, common.response, common.done

local muscles = { "chest", "quadriceps", "glutes", "hamstrings", "lats", "shoulders", "biceps", "triceps",
  "abdominals" }
local contexts = { "knee friendly", "no jumping", "posture", "low back pain", "at home", "quick",
  "beginner friendly", "pour débutant", "sans matériel", "avec haltères" }
local tag, n = "0", 0

function init(args)
  tag = args[1] or "0"
end

function request()
  n = n + 1
  local body = string.format('{"target_muscles":["%s"],"context":"%s %s-%d-%d"}',
    muscles[(n % #muscles) + 1], contexts[(n % #contexts) + 1], tag, id, n)
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, body)
end
