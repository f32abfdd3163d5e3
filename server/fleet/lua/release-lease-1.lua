--[[
  Gives a fleet-wide lease up if `holder` still holds it (a clean stop), so another process takes over at once.

  Input:
    KEYS[1] lease key
    ARGV[1] holder (server id)

  Output:
    1 when released, else 0
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
