-- Release a claim without a response, only if it is still ours. The record keeps its
-- fingerprint (state "released"): the same request may claim it again, another one may not.
-- KEYS[1] = the record, ARGV[1] = our token, ARGV[2] = how long to keep the fingerprint (ms)
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'state', 'released', 'owner', '')
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
