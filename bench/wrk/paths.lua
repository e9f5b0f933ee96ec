-- GET each path of a file in turn, each thread from its own offset.
--   wrk ... -s paths.lua http://127.0.0.1:8010 -- PATHS_FILE [UNIQUE_TAG]
-- With UNIQUE_TAG (digits) every request carries a Host header no other request of the run has
-- ("127.0.0.1:<tag><thread><counter>"): the cached list pages are keyed by their absolute URL (their
-- next/previous links hold it), so each request is a cache miss that does a miss's whole work.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")
setup, response, done = common.setup, common.response, common.done

local paths, tag, n = {}, nil, 0

function init(args)
  paths = common.lines(args[1])
  tag = args[2]
  n = (id - 1) * 97  -- threads start at different paths
end

function request()
  n = n + 1
  local path = paths[(n % #paths) + 1]
  if tag then
    return wrk.format("GET", path, { Host = string.format("127.0.0.1:%s%d%07d", tag, id, n) })
  end
  return wrk.format("GET", path)
end
