-- Release a claim without a response, only if it is still ours.
-- KEYS[1] = the record, ARGV[1] = our token
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
