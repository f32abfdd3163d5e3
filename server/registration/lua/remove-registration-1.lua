--[[
  Removes the registration of one endpoint if it still has this registration id (LwM2M De-register, OMA TS
  Core v1.1.1 §6.2.3). The store drops its index entries after this step.

  Input:
    KEYS[1] registration hash of the endpoint

    ARGV[1] registration id

  Output:
    the removed registration hash as a flat array, or false if the endpoint has no registration with this id
]]
local regKey = KEYS[1]
local old = redis.call('HGETALL', regKey)
if #old == 0 then return false end
if toTable(old).id ~= ARGV[1] then return false end
redis.call('DEL', regKey)
return old
