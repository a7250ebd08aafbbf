-- wrk script for bench/run.py: count non-2xx answers per thread and print one JSON line when done.
-- Latencies come from wrk's own histogram (microseconds); the runner converts them to milliseconds.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non2xx = 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local non = 0
  for _, thread in ipairs(threads) do
    non = non + (thread:get("non2xx") or 0)
  end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_s": %.3f, "rps": %.2f, "bytes": %d, ' ..
    '"mean_us": %.1f, "stdev_us": %.1f, "max_us": %.0f, ' ..
    '"p50_us": %.0f, "p75_us": %.0f, "p90_us": %.0f, "p95_us": %.0f, "p99_us": %.0f, ' ..
    '"non2xx": %d, "connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\n',
    summary.requests, seconds, summary.requests / seconds, summary.bytes,
    latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(95), latency:percentile(99),
    non, e.connect, e.read, e.write, e.status, e.timeout))
end
