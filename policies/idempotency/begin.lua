-- Claim an idempotency key for a request, or report what holds it.
-- KEYS[1] = the record (hash: fingerprint, owner, state pending|done|released, response)
-- ARGV[1] = the request's fingerprint, ARGV[2] = how long a claim lives (ms) if its owner dies,
-- ARGV[3] = the claiming request's token (a retried command of the same request finds its own
--           claim and keeps it, instead of waiting on itself)
-- Returns {"new"} | {"conflict"} | {"pending"} | {"done", response}
local fingerprint = redis.call('HGET', KEYS[1], 'fingerprint')
if not fingerprint then
  redis.call('HSET', KEYS[1], 'fingerprint', ARGV[1], 'state', 'pending', 'owner', ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {'new'}
end
if fingerprint ~= ARGV[1] then
  return {'conflict'}
end
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'done' then
  return {'done', redis.call('HGET', KEYS[1], 'response')}
end
if state == 'released' then
  redis.call('HSET', KEYS[1], 'state', 'pending', 'owner', ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {'new'}
end
if redis.call('HGET', KEYS[1], 'owner') == ARGV[3] then
  return {'new'}
end
return {'pending'}
