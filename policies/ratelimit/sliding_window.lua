-- Exact sliding-window log: admit a request only if fewer than `limit` were admitted in the last
-- `window_ms` (Redis server time, so replicas' clocks do not matter), and the key is not paused.
-- KEYS[1] = the admission log (sorted set: score = admission time in ms)
-- KEYS[2] = the pause marker set when the vendor itself answered 429
-- KEYS[3] = the budget's epoch: a token that changes only when Redis lost the budget's state
-- ARGV[1] = limit, ARGV[2] = window_ms, ARGV[3] = a unique member id,
-- ARGV[4] = the epoch this replica knows ('' when none, '*' not to check), ARGV[5] = a fresh
-- epoch to start
-- Returns {admitted (0/1), wait_ms, remaining, epoch}; admitted = -1 when the replica's epoch is
-- not the budget's: the budget was emptied (or is new to this replica), and nothing was admitted.
local epoch = redis.call('GET', KEYS[3])
if not epoch then
  redis.call('SET', KEYS[3], ARGV[5], 'PX', 86400000)
  epoch = ARGV[5]
else
  redis.call('PEXPIRE', KEYS[3], 86400000)
end
if ARGV[4] ~= '*' and epoch ~= ARGV[4] then
  return {-1, 0, 0, epoch}
end

local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])

local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then
  return {0, paused, 0, epoch}
end

redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, 0, limit - count - 1, epoch}
end

local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local wait = tonumber(oldest[2]) + window - now
if wait < 1 then wait = 1 end
return {0, wait, 0, epoch}
