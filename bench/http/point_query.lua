-- wrk script for bench/http_bench.sh: each request is a point query (every triple of one subject) on a
-- subject drawn at random from a file, sent by GET to the server's query path as SPARQL JSON.
--   wrk -s bench/http/point_query.lua URL -- SUBJECTS_FILE QUERY_PATH
local subjects = {}
local path = "/sparql"

local function encode(text)
  return (text:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  for line in io.lines(args[1]) do subjects[#subjects + 1] = line end
  path = args[2] or path
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end

function request()
  local subject = subjects[math.random(#subjects)]
  local query = "SELECT ?p ?o WHERE { <" .. subject .. "> ?p ?o }"
  return wrk.format("GET", path .. "?query=" .. encode(query), {["Accept"] = "application/sparql-results+json"})
end

-- Non-2xx answers count as errors in wrk's summary; the benchmark refuses a run with any.
