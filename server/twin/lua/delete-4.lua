--[[
  Deletes a twin, if its back-end sections are still the ones the caller read (so the tag index keys it computed are
  the right ones).

  KEYS[1]    twin header hash twin(ep)
  KEYS[2]    reported fields hash twinReported(ep)
  KEYS[3]    twinIndex() set
  KEYS[4]    sorted id index (RedisKeys.twinSortedIndex)
  KEYS[5..]  tag index sets of the current tags (SREM)
  ARGV[1]    expected 'bver'
  ARGV[2]    endpoint
  ARGV[3]    change channel
  ARGV[4]    change message

  Returns -1 no twin, 0 changed under us (retry), 1 deleted.
]]
local bver = redis.call('HGET', KEYS[1], 'bver')
if not bver then return -1 end
if bver ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('SREM', KEYS[3], ARGV[2])
redis.call('ZREM', KEYS[4], ARGV[2])
for i = 5, #KEYS do redis.call('SREM', KEYS[i], ARGV[2]) end
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
