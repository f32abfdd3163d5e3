--[[
  Applies an LwM2M Update (OMA TS Core §6.2.2) to the registration with this id: sets the changed fields,
  records the peer the Update came from, and moves lastUpdate, expiresAt and every key's expiry.
  expiresAt = lastUpdate + lifetime * 1000 + grace, with the lifetime after the update (as applyRegistrationUpdate).

  Input:
    KEYS[1] id index key of the registration id
    KEYS[2] expiry sorted set
    KEYS[3] peer index key of the peer the Update came from

    ARGV[1] registration id
    ARGV[2] registration hash key name before the endpoint
    ARGV[3] registration hash key name after the endpoint
    ARGV[4] lastUpdate (ms since epoch)
    ARGV[5] grace (ms)
    ARGV[6] key retention (ms): keys expire this long after max(expiresAt, lastUpdate)
    ARGV[7..] override field, value, ... to set (see registration-hash.ts)

  Output:
    false if there is no registration with this id, else { previous hash (flat), current hash (flat) }
]]
local idKey, expiryKey, peerKey = KEYS[1], KEYS[2], KEYS[3]

local ep = redis.call('GET', idKey)
if not ep then return false end
local regKey = ARGV[2] .. ep .. ARGV[3]
local old = redis.call('HGETALL', regKey)
if #old == 0 then return false end
local o = toTable(old)
if o.id ~= ARGV[1] then return false end

if #ARGV >= 7 then
  redis.call('HSET', regKey, unpack(ARGV, 7))
end
local lastUpdate = tonumber(ARGV[4])
local lifetime = tonumber(redis.call('HGET', regKey, 'lt'))
local expiresAt = lastUpdate + lifetime * 1000 + tonumber(ARGV[5])
local expiresAtText = string.format('%d', expiresAt)
local keyExpireAt = string.format('%d', math.max(expiresAt, lastUpdate) + tonumber(ARGV[6]))

if o.pk ~= peerKey then delIndexIfOwned(o.pk, ep) end
redis.call('HSET', regKey, 'lu', ARGV[4], 'ex', expiresAtText, 'pk', peerKey)
redis.call('PEXPIREAT', regKey, keyExpireAt)
redis.call('PEXPIREAT', idKey, keyExpireAt)
redis.call('SET', peerKey, ep, 'PXAT', keyExpireAt)
redis.call('ZADD', expiryKey, expiresAtText, ep)
return { old, redis.call('HGETALL', regKey) }
