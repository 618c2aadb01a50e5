-- Add admissions a replica made while Redis was unreachable to a budget's log, so that the
-- window Redis enforces after it returns counts them.
-- KEYS[1] = the admission log, ARGV[1] = window_ms, ARGV[2..] = ages of the admissions in ms
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
for i = 2, #ARGV do
  local at = now - tonumber(ARGV[i])
  redis.call('ZADD', KEYS[1], at, 'backfill:' .. at .. ':' .. i .. ':' .. math.random(1000000))
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return #ARGV - 1
