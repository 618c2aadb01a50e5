-- Store one credential if its condition holds, and index its vendor, in one atomic step.
-- KEYS[1] = the credential (hash: fingerprint, sealed, meta)
-- KEYS[2] = the tenant's vendor index (sorted set, every score 0, so ordered by vendor)
-- ARGV[1] = 'any' (upsert), 'absent' (only create) or 'match' (only replace ARGV[2])
-- ARGV[2] = the expected fingerprint (mode 'match')
-- ARGV[3] = vendor, ARGV[4] = fingerprint, ARGV[5] = sealed, ARGV[6] = meta
-- Returns 1 when stored, 0 when the condition failed.
local mode = ARGV[1]
if mode == 'absent' then
  if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
elseif mode == 'match' then
  if redis.call('HGET', KEYS[1], 'fingerprint') ~= ARGV[2] then return 0 end
end
redis.call('HSET', KEYS[1], 'fingerprint', ARGV[4], 'sealed', ARGV[5], 'meta', ARGV[6])
redis.call('ZADD', KEYS[2], 0, ARGV[3])
return 1
