-- wrk script: owners report tickets, a different owner on every request.
-- scripts/bench.sh writes "token<TAB>resource_id" a line (TICKET_OWNERS);
-- wrk thread k takes every WRK_THREADS-th line starting at line k and goes
-- round the list, each request formatted once, in init (as owners.lua).
local requests = {}
local counter = 0
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

function init(args)
  local nthreads = tonumber(os.getenv("WRK_THREADS") or "1")
  local lines = {}
  for line in io.lines(os.getenv("TICKET_OWNERS")) do
    table.insert(lines, line)
  end
  for i, line in ipairs(lines) do
    if (i - 1) % nthreads == id or #lines < nthreads then
      local token, resource = line:match("^(%x+)%s+(%d+)$")
      local body = '{"resource_id":' .. resource .. ',"type":"repair","area":"private",' ..
                   '"description":"压测：卫生间水龙头漏水，请师傅上门查看"}'
      table.insert(requests, wrk.format("POST", "/api/v1/owner/tickets",
        { Authorization = "Bearer " .. token, ["Content-Type"] = "application/json" }, body))
    end
  end
end

function request()
  counter = counter % #requests + 1
  return requests[counter]
end
