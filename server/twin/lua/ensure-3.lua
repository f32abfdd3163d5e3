--[[
  Creates a twin unless it exists.

  KEYS[1]    twin header hash twin(ep)
  KEYS[2]    twinIndex() set
  KEYS[3]    sorted id index (RedisKeys.twinSortedIndex)
  KEYS[4..]  tag index sets of the initial tags (SADD)
  ARGV[1]    endpoint
  ARGV[2]    change channel
  ARGV[3]    change message
  ARGV[4..]  header field, value, field, value, ...

  Returns 1 created, 0 already there.
]]
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], 0, ARGV[1])
for i = 4, #KEYS do redis.call('SADD', KEYS[i], ARGV[1]) end
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1
