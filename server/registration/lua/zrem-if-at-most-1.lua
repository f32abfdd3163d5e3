--[[
  Removes a member from an expiry shard only while its score is at or below `max`: a registration added again
  meanwhile (a later expiry) keeps its entry.

  Input:
    KEYS[1] expiry sorted set (one shard)
    ARGV[1] member (endpoint)
    ARGV[2] max score (ms since epoch)

  Output:
    1 when removed, else 0
]]
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) <= tonumber(ARGV[2]) then
  return redis.call('ZREM', KEYS[1], ARGV[1])
end
return 0
