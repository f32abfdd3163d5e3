--[[
  Removes the registration of one endpoint if its expiry is at or before `now` (OMA TS Core v1.1.1 §6.2.1: no
  Update within the lifetime deletes the registration). Reading and deleting happen in this one step, so when
  several server processes sweep the same expiry entry only one of them gets the registration back.

  Input:
    KEYS[1] registration hash of the endpoint

    ARGV[1] now (ms since epoch)

  Output:
    { 0 } the hash is gone (its keys expired while no server ran)
    { 1, expiresAt } the registration is still alive (an Update moved it): the store repairs the expiry entry
    { 2, removed hash (flat) } removed now
]]
local regKey = KEYS[1]
local flat = redis.call('HGETALL', regKey)
if #flat == 0 then return { 0 } end
local reg = toTable(flat)
local expiresAt = tonumber(reg.ex)
if expiresAt and expiresAt > tonumber(ARGV[1]) then return { 1, reg.ex } end
redis.call('DEL', regKey)
return { 2, flat }
