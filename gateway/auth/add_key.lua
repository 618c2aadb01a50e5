-- Store a gateway key's record and index it in its scope (a tenant, or the operators), atomically.
-- KEYS[1] = the key's record (hash: record, revoked_at)
-- KEYS[2] = the scope's key ids (sorted set, score = creation time in microseconds)
-- KEYS[3] = the scope's active key ids (set)
-- KEYS[4] = the tenant that must exist (omitted for an operator key)
-- ARGV[1] = key id, ARGV[2] = creation time (microseconds), ARGV[3] = record,
-- ARGV[4] = revoked_at, or '' for an active key
-- Returns 1 when stored, 0 when the id is taken, -1 when the tenant does not exist.
if KEYS[4] and redis.call('EXISTS', KEYS[4]) == 0 then return -1 end
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'record', ARGV[3])
if ARGV[4] == '' then
  redis.call('SADD', KEYS[3], ARGV[1])
else
  redis.call('HSET', KEYS[1], 'revoked_at', ARGV[4])
end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 1
