-- The load mix for wrk: 80 % browse and search, 15 % listing detail, 5 % apply.
--
--   wrk -t2 -c64 -d300s -s ops/load/mix.lua http://127.0.0.1:PORT -- RATE DATADIR
--
-- RATE is the target in requests per second for the whole run, paced here: each thread sends
-- on a fixed schedule and never bursts to catch up, so a server that cannot keep up shows as a
-- rate below the target. DATADIR holds listings.txt (one listing path a line), industries.txt
-- (one slug a line) and students.txt ("<session id> <csrf secret>" a line, each a signed-in
-- student with a résumé on the profile). Every student applies once at most: thread k takes
-- the lines k, k + threads, ... Each apply answered with a redirect to the new application is
-- written to DATADIR/applied-<thread>.txt. done() prints one JSON line.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } mi_timespec;
  int clock_gettime(int clock_id, mi_timespec *tp);
]]
local clock = ffi.new("mi_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

local function lines(path)
  local found = {}
  local file = assert(io.open(path, "r"), "missing " .. path)
  for line in file:lines() do
    if line ~= "" then found[#found + 1] = line end
  end
  file:close()
  return found
end

-- setup() runs in the main state, once per thread: number the threads.
local created = 0
local threads = {}
function setup(thread)
  created = created + 1
  thread:set("thread_id", created)
  threads[#threads + 1] = thread
end

local SEARCHES = { "data", "design", "report", "python", "marketing", "research", "survey",
  "video", "website", "analysis", "social media", "dashboard", "translation", "spreadsheet" }
local SORTS = { "relevance", "newest", "deadline", "fee" }
local LOCATIONS = { "remote", "hybrid", "onsite" }

local listings, industries, students
local interval, next_at
local applied_file
-- Counted per thread, read by done().
browse, detail, apply_sent, applied, apply_other, students_left = 0, 0, 0, 0, 0, 0

function init(args)
  local rate = tonumber(args[1])
  local dir = args[2]
  local total_threads = tonumber(args[3])
  listings = lines(dir .. "/listings.txt")
  industries = lines(dir .. "/industries.txt")
  students = {}
  for index, line in ipairs(lines(dir .. "/students.txt")) do
    if (index - 1) % total_threads == thread_id - 1 then
      local session, csrf = line:match("^(%S+) (%S+)$")
      students[#students + 1] = { session = session, csrf = csrf }
    end
  end
  students_left = #students
  interval = 1000 * total_threads / rate
  math.randomseed(os.time() + thread_id * 7919)
  applied_file = assert(io.open(dir .. "/applied-" .. thread_id .. ".txt", "w"))
  applied_file:setvbuf("line")
end

local function pick(list) return list[math.random(#list)] end

local function browse_path()
  local r = math.random()
  if r < 0.35 then
    return "/listings/?page=" .. math.random(1, 10)
  elseif r < 0.65 then
    return "/listings/?q=" .. pick(SEARCHES):gsub(" ", "+") .. "&sort=" .. pick(SORTS)
  elseif r < 0.85 then
    return "/listings/?industry=" .. pick(industries) .. "&location_type=" .. pick(LOCATIONS)
  elseif r < 0.95 then
    return "/listings/?min_rate=" .. math.random(20, 40) .. "&max_hours=" .. math.random(10, 40)
  end
  return "/"
end

local PITCH = "pitch=I+have+done+two+similar+projects+and+would+start+with+a+one-page+plan."
  .. "&availability_confirmed=on"

function request()
  local r = math.random()
  if r < 0.80 then
    browse = browse + 1
    return wrk.format("GET", browse_path())
  end
  if r < 0.95 or #students == 0 then
    detail = detail + 1
    return wrk.format("GET", pick(listings))
  end
  local student = table.remove(students)
  students_left = #students
  apply_sent = apply_sent + 1
  return wrk.format("POST", pick(listings) .. "apply/", {
    ["Cookie"] = "sessionid=" .. student.session .. "; csrftoken=" .. student.csrf,
    ["X-CSRFToken"] = student.csrf,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, PITCH)
end

function delay()
  local now = now_ms()
  local at = math.max(now, next_at or now)
  next_at = at + interval
  return at - now
end

function response(status, headers, body)
  if status == 302 then
    local location = headers["Location"] or headers["location"] or ""
    local id = location:match("^/applications/(%d+)/$")
    if id then
      applied = applied + 1
      applied_file:write(id, "\n")
    else
      apply_other = apply_other + 1
    end
  end
end

function done(summary, latency, requests)
  local mix = { browse = 0, detail = 0, apply_sent = 0, applied = 0, apply_other = 0,
    students_left = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(mix) do
      mix[name] = mix[name] + (thread:get(name) or 0)
    end
  end
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"errors_connect": %d, "errors_read": %d, "errors_write": %d, ' ..
    '"errors_status": %d, "errors_timeout": %d, ' ..
    '"browse": %d, "detail": %d, "apply_sent": %d, "applied": %d, "redirect_other": %d, ' ..
    '"students_left": %d}\n',
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    mix.browse, mix.detail, mix.apply_sent, mix.applied, mix.apply_other, mix.students_left))
end
