--[[
  Records a desired-sync outcome unless a record for a newer desired version is already stored.

  KEYS[1]    twin header hash twin(ep)
  ARGV[1]    field ('sync:<dotted property>')
  ARGV[2]    record JSON
  ARGV[3]    its desiredVersion
  ARGV[4]    change channel
  ARGV[5]    change message prefix, completed with the version and '}'

  Returns -1 no twin, 0 ignored (older), 1 recorded.
]]
local version = redis.call('HGET', KEYS[1], 'version')
if not version then return -1 end
local stored = redis.call('HGET', KEYS[1], ARGV[1])
if stored then
  local v = tonumber(string.match(stored, '"desiredVersion":(%d+)'))
  if v and v > tonumber(ARGV[3]) then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PUBLISH', ARGV[4], ARGV[5] .. version .. '}')
return 1
