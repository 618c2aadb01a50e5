-- Compare-and-swap of a credential's sealed secret: a record written or deleted meanwhile is
-- left alone (a missing record reads as false, which never equals the expected value).
-- KEYS[1] = the credential (hash: fingerprint, sealed, meta)
-- ARGV[1] = the sealed secret expected now, ARGV[2] = its replacement (both encoded alike)
-- Returns 1 when swapped, 0 otherwise.
if redis.call('HGET', KEYS[1], 'sealed') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'sealed', ARGV[2])
return 1
