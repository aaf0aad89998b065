-- wrk script: each request logs in with a fresh pair of WeChat codes.
-- Codes are one-time, so scripts/bench.sh writes a file of request bodies
-- beforehand (LOGIN_BODIES) and wrk thread k takes every WRK_THREADS-th line
-- starting at line k.
local bodies = {}
local counter = 1
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

function init(args)
  local nthreads = tonumber(os.getenv("WRK_THREADS") or "1")
  local i = 0
  for line in io.lines(os.getenv("LOGIN_BODIES")) do
    if i % nthreads == id then
      table.insert(bodies, line)
    end
    i = i + 1
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local body = bodies[counter] or bodies[1]
  counter = counter + 1
  return wrk.format(nil, "/api/v1/owner/login/wechat", nil, body)
end
