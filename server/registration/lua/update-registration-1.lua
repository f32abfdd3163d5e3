--[[
  Applies an LwM2M Update (OMA TS Core v1.1.1 §6.2.2) to the registration of one endpoint if it still has this
  registration id: sets the changed fields, records the peer the Update came from, and moves lastUpdate,
  expiresAt and the hash's expiry. expiresAt = lastUpdate + lifetime * 1000 + grace, with the lifetime after the
  update (as applyRegistrationUpdate). The store moves the index entries after this step.

  Input:
    KEYS[1] registration hash of the endpoint

    ARGV[1] registration id
    ARGV[2] lastUpdate (ms since epoch)
    ARGV[3] grace (ms)
    ARGV[4] key retention (ms): keys expire this long after max(expiresAt, lastUpdate)
    ARGV[5] peer index key name of the peer the Update came from
    ARGV[6..] override field, value, ... to set (see registration-hash.ts)

  Output:
    false if the endpoint has no registration with this id, else
    { previous hash (flat), current hash (flat), keyExpireAt }
]]
local regKey = KEYS[1]
local old = redis.call('HGETALL', regKey)
if #old == 0 then return false end
local o = toTable(old)
if o.id ~= ARGV[1] then return false end

if #ARGV >= 6 then
  redis.call('HSET', regKey, unpack(ARGV, 6))
end
local lastUpdate = tonumber(ARGV[2])
local lifetime = tonumber(redis.call('HGET', regKey, 'lt'))
local expiresAt = lastUpdate + lifetime * 1000 + tonumber(ARGV[3])
local keyExpireAt = string.format('%d', math.max(expiresAt, lastUpdate) + tonumber(ARGV[4]))

redis.call('HSET', regKey, 'lu', ARGV[2], 'ex', string.format('%d', expiresAt), 'pk', ARGV[5])
redis.call('PEXPIREAT', regKey, keyExpireAt)
return { old, redis.call('HGETALL', regKey), keyExpireAt }
