-- Default request script: cycles through the `requests` table that
-- bench/run.py writes above this code (one entry per bench user, or one in
-- all). Requests are formatted once per thread, not per request, so the
-- script costs wrk almost nothing.
local prepared = {}
local next_index = 0

function init(args)
  for i, r in ipairs(requests) do
    prepared[i] = wrk.format(r.method, r.path, r.headers, r.body)
  end
end

function request()
  next_index = next_index % #prepared + 1
  return prepared[next_index]
end
