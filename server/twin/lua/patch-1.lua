--[[
  Commits a back-end patch computed by the caller (twin-patch.ts), if the twin's back-end sections are still the
  ones the caller read (compare-and-set on 'bver') and, with If-Match, the twin version is still the one it checked.
  The tag index lives in other slots (keys.ts): the store adds new tag entries before this step and removes old
  ones after it.
  KEYS[1]      twin header hash twin(ep)
  ARGV[1]      expected 'bver'
  ARGV[2]      expected 'version' ('' = no If-Match)
  ARGV[3]      new tags JSON ('' = unchanged)
  ARGV[4]      new desired JSON ('' = unchanged)
  ARGV[5]      now, ms (tagsUpdated)
  ARGV[6]      change channel
  ARGV[7]      change message prefix, completed with the new version and '}'
  ARGV[8..]    desired-sync fields to delete (records of deleted desired leaves)
  Returns {-1} no twin, {0} changed under us (caller re-reads and retries), {1, newVersion} done.
]]
local cur = redis.call('HMGET', KEYS[1], 'bver', 'version')
if not cur[2] then return {-1} end
if cur[1] ~= ARGV[1] then return {0} end
if ARGV[2] ~= '' and cur[2] ~= ARGV[2] then return {0} end
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'tags', ARGV[3], 'tagsUpdated', ARGV[5]) end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'desired', ARGV[4]) end
for i = 8, #ARGV do redis.call('HDEL', KEYS[1], ARGV[i]) end
redis.call('HINCRBY', KEYS[1], 'bver', 1)
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('PUBLISH', ARGV[6], ARGV[7] .. version .. '}')
return {1, version}
