--[[
  Adds or replaces the registration of one endpoint (LwM2M Register, OMA TS Core v1.1.1 §6.2.1: a repeat
  Register with the same endpoint name replaces the old registration). The store writes the index entries
  (id, peer, expiry shard) before this step and drops the replaced registration's entries after it.

  Input:
    KEYS[1] registration hash of the endpoint

    ARGV[1] keyExpireAt (ms since epoch): PEXPIREAT of the hash
    ARGV[2] field `d`: the registration blob (see registration-hash.ts)
    ARGV[3] field `id`: registration id
    ARGV[4] field `lt`: lifetime (s)
    ARGV[5] field `lu`: lastUpdate (ms since epoch)
    ARGV[6] field `ex`: expiresAt (ms since epoch)
    ARGV[7] field `ik`: id index key name
    ARGV[8] field `pk`: peer index key name

  Output:
    the replaced registration hash as a flat array, empty if there was none
]]
local regKey = KEYS[1]
local old = redis.call('HGETALL', regKey)
if #old > 0 then redis.call('DEL', regKey) end
redis.call('HSET', regKey, 'd', ARGV[2], 'id', ARGV[3], 'lt', ARGV[4], 'lu', ARGV[5], 'ex', ARGV[6], 'ik', ARGV[7], 'pk', ARGV[8])
redis.call('PEXPIREAT', regKey, ARGV[1])
return old
