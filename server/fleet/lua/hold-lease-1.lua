--[[
  Takes or renews a fleet-wide lease: the holder keeps it while it renews within the TTL; when the holder stops
  renewing (it died), the next caller after the TTL takes it over.

  Input:
    KEYS[1] lease key
    ARGV[1] holder (server id)
    ARGV[2] TTL (ms)

  Output:
    1 when `holder` holds the lease after the call, else 0
]]
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
