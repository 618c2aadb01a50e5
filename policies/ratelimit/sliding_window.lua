-- Exact sliding-window log: admit a request only if fewer than `limit` were admitted in the last
-- `window_ms` (Redis server time, so replicas' clocks do not matter), and the key is not paused.
-- KEYS[1] = the admission log (sorted set: score = admission time in ms)
-- KEYS[2] = the pause marker set when the vendor itself answered 429
-- ARGV[1] = limit, ARGV[2] = window_ms, ARGV[3] = a unique member id
-- Returns {admitted (0/1), wait_ms, remaining}
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])

local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then
  return {0, paused, 0}
end

redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, 0, limit - count - 1}
end

local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local wait = tonumber(oldest[2]) + window - now
if wait < 1 then wait = 1 end
return {0, wait, 0}
