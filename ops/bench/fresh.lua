-- wrk script: a different address on every request (a visitor's new searches), read from the
-- file named by the first argument, from the line given by the second; the threads (as many as
-- the third argument says) take the lines in turn, so that no two requests of a run ask for the same page
-- and a run uses as many lines as it sends requests.
-- runner.py appends report.lua (the JSON reporter) to this script.
local paths, index, threads = {}, 0, 1
local started = 0

function setup(thread)
  thread:set("thread_number", started)
  started = started + 1
end

function init(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  threads = tonumber(args[3]) or 1
  index = (tonumber(args[2]) or 0) + (thread_number or 0)
end

function request()
  local path = paths[(index % #paths) + 1]
  index = index + threads
  return wrk.format(nil, path)
end
