-- wrk script: GET the URL's path as many different owners, one bearer token
-- per request. scripts/bench.sh writes one token a line (OWNER_TOKENS);
-- wrk thread k takes every WRK_THREADS-th line starting at line k and goes
-- round the list. The requests are formatted once, in init: per request
-- wrk only calls request() (which still costs it 5-14% of the hello-world's
-- rate on 2 cores, against a fixed header: see docs/performance.md).
-- With BENCH_BODY set, each request is instead a POST of that JSON with
-- {resource} replaced by the line's second field ("token<TAB>resource_id":
-- owners reporting tickets for their homes).
local requests = {}
local counter = 0
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

function init(args)
  local nthreads = tonumber(os.getenv("WRK_THREADS") or "1")
  local body = os.getenv("BENCH_BODY")
  local lines = {}
  for line in io.lines(os.getenv("OWNER_TOKENS")) do
    table.insert(lines, line)
  end
  for i, line in ipairs(lines) do
    -- fewer tokens than threads: every thread takes them all
    if (i - 1) % nthreads == id or #lines < nthreads then
      local token, resource = line:match("^(%x+)%s*(%d*)$")
      local headers = { Authorization = "Bearer " .. token }
      if body then
        headers["Content-Type"] = "application/json"
        table.insert(requests, wrk.format("POST", nil, headers,
                                          (body:gsub("{resource}", resource))))
      else
        table.insert(requests, wrk.format("GET", nil, headers))
      end
    end
  end
end

function request()
  counter = counter % #requests + 1
  return requests[counter]
end
