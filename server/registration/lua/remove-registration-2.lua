--[[
  Removes the registration with this id (LwM2M De-register, OMA TS Core §6.2.3) with its index keys
  and its expiry entry.

  Input:
    KEYS[1] id index key of the registration id
    KEYS[2] expiry sorted set

    ARGV[1] registration id
    ARGV[2] registration hash key name before the endpoint
    ARGV[3] registration hash key name after the endpoint

  Output:
    the removed registration hash as a flat array, or false if there was none with this id
]]
local idKey, expiryKey = KEYS[1], KEYS[2]

local ep = redis.call('GET', idKey)
if not ep then return false end
local regKey = ARGV[2] .. ep .. ARGV[3]
local old = redis.call('HGETALL', regKey)
local o = toTable(old)
if o.id ~= ARGV[1] then
  -- a stale index entry (its registration is gone or was replaced): drop it
  redis.call('DEL', idKey)
  return false
end
deleteRegistration(regKey, expiryKey, ep, o)
return old
