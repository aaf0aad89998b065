-- wrk script: GET the URL's path as many different owners, one bearer token
-- per request. scripts/bench.sh writes one token a line (OWNER_TOKENS);
-- wrk thread k takes every WRK_THREADS-th line starting at line k and goes
-- round the list. The requests are formatted once, in init: per request
-- wrk only calls request() (which still costs it 5-14% of the hello-world's
-- rate on 2 cores, against a fixed header: see docs/performance.md).
local requests = {}
local counter = 0
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

function init(args)
  local nthreads = tonumber(os.getenv("WRK_THREADS") or "1")
  local tokens = {}
  for token in io.lines(os.getenv("OWNER_TOKENS")) do
    table.insert(tokens, token)
  end
  for i, token in ipairs(tokens) do
    -- fewer tokens than threads: every thread takes them all
    if (i - 1) % nthreads == id or #tokens < nthreads then
      table.insert(requests, wrk.format("GET", nil, { Authorization = "Bearer " .. token }))
    end
  end
end

function request()
  counter = counter % #requests + 1
  return requests[counter]
end
