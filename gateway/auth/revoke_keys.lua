-- Revoke keys of one scope; a key already revoked keeps its first revocation time.
-- KEYS[1] = the scope's active key ids (set), KEYS[2..n] = the keys' records (hashes)
-- ARGV[1] = revoked_at, ARGV[2..n] = the ids of KEYS[2..n]
-- Returns {keys found, keys revoked by this call}.
local found, revoked = 0, 0
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    found = found + 1
    revoked = revoked + redis.call('HSETNX', KEYS[i], 'revoked_at', ARGV[1])
    redis.call('SREM', KEYS[1], ARGV[i])
  end
end
return {found, revoked}
