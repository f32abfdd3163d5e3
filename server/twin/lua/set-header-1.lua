--[[
  Sets status fields of an existing twin (connection state, status, last activity) without changing its version.

  KEYS[1]    twin header hash twin(ep)
  ARGV[1]    change channel
  ARGV[2]    change message prefix, completed with the version and '}'
  ARGV[3]    last activity ms ('' = leave; otherwise set only when later than the stored one)
  ARGV[4..]  field, value, ... to set

  Returns -1 no twin, else the twin version.
]]
local version = redis.call('HGET', KEYS[1], 'version')
if not version then return -1 end
if #ARGV > 3 then redis.call('HSET', KEYS[1], unpack(ARGV, 4)) end
if ARGV[3] ~= '' then
  local stored = redis.call('HGET', KEYS[1], 'lastActivity')
  if not stored or tonumber(stored) < tonumber(ARGV[3]) then redis.call('HSET', KEYS[1], 'lastActivity', ARGV[3]) end
end
redis.call('PUBLISH', ARGV[1], ARGV[2] .. version .. '}')
return tonumber(version)
