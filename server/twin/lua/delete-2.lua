--[[
  Deletes a twin, if its back-end sections are still the ones the caller read (so the tag index entries it drops
  afterwards are the right ones). The store removes the twin from its index shard after this step.
  KEYS[1]    twin header hash twin(ep)
  KEYS[2]    reported fields hash twinReported(ep)
  ARGV[1]    expected 'bver'
  ARGV[2]    change channel
  ARGV[3]    change message
  Returns {-1} no twin, {0} changed under us (retry), {1, field, stored leaf, ...} deleted, with the reported leaves
  it held (the store drops their numeric range index members, number-index.ts).
]]
local bver = redis.call('HGET', KEYS[1], 'bver')
if not bver then return {-1} end
if bver ~= ARGV[1] then return {0} end
local reported = redis.call('HGETALL', KEYS[2])
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('PUBLISH', ARGV[2], ARGV[3])
table.insert(reported, 1, 1)
return reported
