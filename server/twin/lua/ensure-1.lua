--[[
  Creates a twin unless it exists. The store adds the twin to its index shard (sorted id index, tag index) before
  this step, so an index entry may point at a twin that is not there yet; readers skip those.
  KEYS[1]    twin header hash twin(ep)
  ARGV[1]    change channel
  ARGV[2]    change message
  ARGV[3..]  header field, value, field, value, ...
  Returns 1 created, 0 already there.
]]
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('PUBLISH', ARGV[1], ARGV[2])
return 1
