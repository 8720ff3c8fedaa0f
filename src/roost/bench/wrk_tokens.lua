-- wrk script: every request carries the bearer token of a random active seeded account.
-- Usage: wrk ... -s wrk_tokens.lua URL -- TOKENS_FILE
-- The tokens file has lines "account_id<TAB>username<TAB>active<TAB>token".
-- done() prints one JSON line (prefixed "WRK_JSON ") with throughput and latency percentiles.

local tokens = {}

function init(args)
  for line in io.lines(args[1]) do
    local _, _, active, token = line:match("^(%S+)\t(%S+)\t(%S+)\t(%S+)$")
    if token and active == "1" then
      tokens[#tokens + 1] = token
    end
  end
  if #tokens == 0 then
    error("no active tokens in " .. args[1])
  end
  math.randomseed(42)
end

function request()
  local token = tokens[math.random(#tokens)]
  return wrk.format("GET", nil, { ["Authorization"] = "Bearer " .. token })
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"mean": %.1f, "stdev": %.1f, "max": %d, "p50": %d, "p90": %d, "p99": %d, "p999": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9)))
end
