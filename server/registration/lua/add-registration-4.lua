--[[
  Adds or replaces the registration of one endpoint (LwM2M Register, OMA TS Core §6.2.1
  "a repeat Register with the same ep replaces the old registration"). The replaced registration's
  id and peer index entries are removed in the same step.

  Input:
    KEYS[1] registration hash of the endpoint
    KEYS[2] id index key of the new registration id
    KEYS[3] peer index key of the new peer
    KEYS[4] expiry sorted set

    ARGV[1] endpoint
    ARGV[2] expiresAt (ms since epoch): field `ex` and score in the expiry set
    ARGV[3] keyExpireAt (ms since epoch): PEXPIREAT of the hash and both index keys
    ARGV[4] field `d`: the registration blob (see registration-hash.ts)
    ARGV[5] field `id`: registration id
    ARGV[6] field `lt`: lifetime (s)
    ARGV[7] field `lu`: lastUpdate (ms since epoch)

  Output:
    the replaced registration hash as a flat array, empty if there was none
]]
local regKey, idKey, peerKey, expiryKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local ep, keyExpireAt = ARGV[1], ARGV[3]

local old = redis.call('HGETALL', regKey)
if #old > 0 then
  local o = toTable(old)
  if o.ik ~= idKey then delIndexIfOwned(o.ik, ep) end
  if o.pk ~= peerKey then delIndexIfOwned(o.pk, ep) end
  redis.call('DEL', regKey)
end

redis.call('HSET', regKey, 'd', ARGV[4], 'id', ARGV[5], 'lt', ARGV[6], 'lu', ARGV[7], 'ex', ARGV[2], 'ik', idKey, 'pk', peerKey)
redis.call('PEXPIREAT', regKey, keyExpireAt)
redis.call('SET', idKey, ep, 'PXAT', keyExpireAt)
redis.call('SET', peerKey, ep, 'PXAT', keyExpireAt)
redis.call('ZADD', expiryKey, ARGV[2], ep)
return old
