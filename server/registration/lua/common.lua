--[[
  Helpers prepended to every registration script (see redis-registration-scripts.ts).
  A registration hash records the names of its id and peer index keys in fields `ik` and `pk`,
  so a script can drop them without building key names.
]]

-- A flat HGETALL reply as a field -> value table.
local function toTable(flat)
  local t = {}
  for i = 1, #flat, 2 do
    t[flat[i]] = flat[i + 1]
  end
  return t
end

-- Deletes an index key only while it still points at `ep`: another endpoint may own it since
-- (a new device behind the same NAT address and port).
local function delIndexIfOwned(key, ep)
  if key and redis.call('GET', key) == ep then
    redis.call('DEL', key)
  end
end

-- Deletes the registration hash of `ep`, its index keys and its expiry entry. `reg` is the hash as a table.
local function deleteRegistration(regKey, expiryKey, ep, reg)
  redis.call('DEL', regKey)
  delIndexIfOwned(reg.ik, ep)
  delIndexIfOwned(reg.pk, ep)
  redis.call('ZREM', expiryKey, ep)
end
