-- Store the response of a claim, only if the claim is still ours (it may have expired and been
-- taken by another request).
-- KEYS[1] = the record, ARGV[1] = our token, ARGV[2] = the response, ARGV[3] = keep (ms)
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'state', 'done', 'response', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
