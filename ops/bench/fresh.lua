-- wrk script: a different address on every request (a visitor's new searches), read from the
-- file named by the first argument, from the line given by the second; the second thread
-- starts half the file further on, so that no two requests of a run ask for the same page.
-- runner.py appends report.lua (the JSON reporter) to this script.
local paths, index = {}, 0
local started = 0

function setup(thread)
  thread:set("thread_number", started)
  started = started + 1
end

function init(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  index = (tonumber(args[2]) or 0) + (thread_number or 0) * math.floor(#paths / 2)
end

function request()
  index = index + 1
  return wrk.format(nil, paths[(index % #paths) + 1])
end
