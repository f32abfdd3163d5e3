--[[
  Reads a registration through an index key (id or peer) in one round trip. The caller checks that the
  registration still matches the id or peer it asked for.

  Input:
    KEYS[1] id or peer index key

    ARGV[1] registration hash key name before the endpoint
    ARGV[2] registration hash key name after the endpoint

  Output:
    the registration hash as a flat array, or false if the index key does not exist
]]
local ep = redis.call('GET', KEYS[1])
if not ep then return false end
return redis.call('HGETALL', ARGV[1] .. ep .. ARGV[2])
