-- wrk script: count answers that are not 200 (wrk itself counts 3xx as fine) and print the
-- figures bench/throughput.py reads: requests/s, p95 latency (microseconds), non-200 count,
-- socket errors (connect, read, write, timeout: no answer at all).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bad = 0
end

function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local total_bad = 0
  for _, thread in ipairs(threads) do
    total_bad = total_bad + thread:get("bad")
  end
  local errors = summary.errors
  io.write(string.format("REPORT requests %d\n", summary.requests))
  io.write(string.format("REPORT rps %.1f\n", summary.requests / (summary.duration / 1e6)))
  io.write(string.format("REPORT p95 %d\n", latency:percentile(95)))
  -- every answer passes through response(), 4xx and 5xx included (wrk's errors.status counts
  -- those again, so it is not added)
  io.write(string.format("REPORT bad %d\n", total_bad))
  io.write(string.format("REPORT socket %d\n",
                         errors.connect + errors.read + errors.write + errors.timeout))
end
