-- wrk script: POST /api/v2/alerts (Alertmanager API v2 body, as Prometheus sends it).
-- Args after --: <secrets file, one line per service> <batch> <alertnames per service> <instances per alertname>
-- Every request carries `batch` alerts of one service, with that service's bearer secret
-- (Alertmanager ignores the header; Muster needs it to find the prometheus integration).
-- The distinct alerts are services x alertnames x instances; requests rotate through them,
-- each wrk thread from its own shuffled order, so an alert is re-sent as Prometheus re-sends it.
local bodies, auths, idx = {}, {}, 0
ok, busy, other = 0, 0, 0 -- globals: done() reads them per thread
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

local function alert(s, n, i, starts, ends)
  return string.format('{"labels":{"alertname":"Alert%02d","service":"svc-%02d","instance":"host-%03d:9100","job":"node","severity":"%s"},'
    .. '"annotations":{"summary":"Alert%02d on host-%03d of svc-%02d","description":"bench alert"},'
    .. '"startsAt":"%s","endsAt":"%s","generatorURL":"http://prometheus:9090/graph?g0.expr=up%%3D%%3D0"}',
    n, s, i, (n % 3 == 0) and "critical" or "warning", n, i, s, starts, ends)
end

function init(args)
  local batch, names, instances = tonumber(args[2]), tonumber(args[3]), tonumber(args[4])
  local secrets = {}
  for line in io.lines(args[1]) do if #line > 0 then secrets[#secrets + 1] = line end end
  local starts = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time())
  local ends = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() + 3600)
  for s = 1, #secrets do
    local chunk = {}
    for n = 1, names do
      for i = 1, instances do
        chunk[#chunk + 1] = alert(s, n, i, starts, ends)
        if #chunk == batch then
          bodies[#bodies + 1] = "[" .. table.concat(chunk, ",") .. "]"
          auths[#auths + 1] = "Bearer " .. secrets[s]
          chunk = {}
        end
      end
    end
    if #chunk > 0 then
      bodies[#bodies + 1] = "[" .. table.concat(chunk, ",") .. "]"
      auths[#auths + 1] = "Bearer " .. secrets[s]
    end
  end
  math.randomseed(1000 + (id or 1))
  for k = #bodies, 2, -1 do
    local j = math.random(k)
    bodies[k], bodies[j] = bodies[j], bodies[k]
    auths[k], auths[j] = auths[j], auths[k]
  end
end

function request()
  idx = idx % #bodies + 1
  return wrk.format("POST", "/api/v2/alerts", { ["Content-Type"] = "application/json", ["Authorization"] = auths[idx] }, bodies[idx])
end

function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1
  elseif status == 429 then busy = busy + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local o, b, x = 0, 0, 0
  for _, t in ipairs(threads) do o = o + t:get("ok"); b = b + t:get("busy"); x = x + t:get("other") end
  local e = summary.errors
  io.write(string.format("RESULT seconds=%.3f requests=%d ok=%d r429=%d other=%d sockerr=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
    summary.duration / 1e6, summary.requests, o, b, x, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
