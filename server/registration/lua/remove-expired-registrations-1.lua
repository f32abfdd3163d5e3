--[[
  Removes up to `limit` registrations whose expiry is at or before `now` (OMA TS Core 1.1 §6.2 Client Registration: "no Update within lt
  -> delete the registration"). Reading and deleting happen in this one script, so two server processes
  calling it at once never both get the same registration. Each candidate's `ex` field is re-checked:
  one that is still alive gets its score repaired instead of being removed; an entry whose hash is gone
  (its keys expired while no server ran) is dropped.

  Input:
    KEYS[1] expiry sorted set

    ARGV[1] now (ms since epoch)
    ARGV[2] limit
    ARGV[3] registration hash key name before the endpoint
    ARGV[4] registration hash key name after the endpoint

  Output:
    { removed registration hashes (flat arrays)..., }
]]
local expiryKey = KEYS[1]
local now = tonumber(ARGV[1])

local removed = {}
local eps = redis.call('ZRANGEBYSCORE', expiryKey, '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, ep in ipairs(eps) do
  local regKey = ARGV[3] .. ep .. ARGV[4]
  local flat = redis.call('HGETALL', regKey)
  if #flat == 0 then
    redis.call('ZREM', expiryKey, ep)
  else
    local reg = toTable(flat)
    local expiresAt = tonumber(reg.ex)
    if expiresAt and expiresAt > now then
      redis.call('ZADD', expiryKey, reg.ex, ep)
    else
      deleteRegistration(regKey, expiryKey, ep, reg)
      removed[#removed + 1] = flat
    end
  end
end
return removed
