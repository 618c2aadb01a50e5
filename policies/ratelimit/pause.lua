-- Pause a budget for ARGV[1] ms, unless a longer pause is already running.
-- KEYS[1] = the pause marker
local left = redis.call('PTTL', KEYS[1])
if left < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
return 1
