-- wrk: each request the next line of the file BENCH_WRK_REQUESTS names, in turn (each thread
-- starts at its own place): METHOD, path, bearer token ("-": none), JSON body ("-": none),
-- separated by tabs. Written by bench/flood.py.
local requests = {}
local i = 0

function init(args)
  for line in io.lines(os.getenv("BENCH_WRK_REQUESTS")) do
    local method, path, token, body = line:match("^(%S+)\t(%S+)\t(%S+)\t(.*)$")
    local headers = {}
    if token ~= "-" then headers["Authorization"] = "Bearer " .. token end
    if body ~= "-" then headers["Content-Type"] = "application/json" else body = nil end
    requests[#requests + 1] = wrk.format(method, path, headers, body)
  end
  i = math.random(#requests)
end

function request()
  i = i % #requests + 1
  return requests[i]
end


function done(summary, latency, requests)
  -- wrk prints the summary; bench/flood.py reads these lines.
  io.write(string.format("BENCH p50_us %d p99_us %d n %d errors %d\n",
    latency:percentile(50), latency:percentile(99), summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status
      + summary.errors.timeout))
  io.write(string.format("BENCH seconds %f\n", summary.duration / 1e6))
end
