-- GET the URL given on the command line, again and again (warm-cache rows and the ceiling).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")
setup, response, done = common.setup, common.response, common.done
