-- wrk script: POST /v2/enqueue, PagerDuty Events API v2 (Muster's events API), one event a request.
-- Args after --: <secrets file of events integrations, one line per service> <alertnames per service> <instances per alertname>
-- The same distinct alerts as alerts.lua (dedup_key = service/alertname/instance), rotating.
local bodies, idx = {}, 0
ok, busy, other = 0, 0, 0 -- globals: done() reads them per thread
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  local names, instances = tonumber(args[2]), tonumber(args[3])
  local secrets = {}
  for line in io.lines(args[1]) do if #line > 0 then secrets[#secrets + 1] = line end end
  local now = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time())
  for s = 1, #secrets do
    for n = 1, names do
      for i = 1, instances do
        bodies[#bodies + 1] = string.format('{"routing_key":"%s","event_action":"trigger","dedup_key":"svc-%02d/Alert%02d/host-%03d",'
          .. '"payload":{"summary":"Alert%02d on host-%03d of svc-%02d","source":"host-%03d:9100","severity":"%s","timestamp":"%s",'
          .. '"component":"node","group":"svc-%02d","class":"Alert%02d","custom_details":{"description":"bench alert"}},'
          .. '"client":"bench","client_url":"http://prometheus:9090/graph"}',
          secrets[s], s, n, i, n, i, s, i, (n % 3 == 0) and "critical" or "warning", now, s, n)
      end
    end
  end
  math.randomseed(1000 + (id or 1))
  for k = #bodies, 2, -1 do
    local j = math.random(k)
    bodies[k], bodies[j] = bodies[j], bodies[k]
  end
end

function request()
  idx = idx % #bodies + 1
  return wrk.format("POST", "/v2/enqueue", { ["Content-Type"] = "application/json" }, bodies[idx])
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
