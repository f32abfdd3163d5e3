--[[
  Replaces (or, without fields, deletes) the security entry of one endpoint and returns the one it replaced.
  This is the moment a put or delete takes effect: lookups verify the index against the entry, so the old
  identity or public key stops resolving here even before its index key is released.

  Input:
    KEYS[1] entry hash

    ARGV    field, value, field, value, ... of the new entry; none to delete

  Output:
    the replaced entry as a flat array, empty if there was none
]]
local old = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
if #ARGV > 0 then redis.call('HSET', KEYS[1], unpack(ARGV)) end
return old
