-- What a budget would admit now, without admitting anything (read-only).
-- KEYS[1] = the admission log, KEYS[2] = the pause marker (see sliding_window.lua)
-- ARGV[1] = limit, ARGV[2] = window_ms
-- Returns the slots left in the trailing window (0 while paused).
if redis.call('PTTL', KEYS[2]) > 0 then
  return 0
end
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local count = redis.call('ZCOUNT', KEYS[1], '(' .. (now - tonumber(ARGV[2])), '+inf')
local left = tonumber(ARGV[1]) - count
if left < 0 then left = 0 end
return left
