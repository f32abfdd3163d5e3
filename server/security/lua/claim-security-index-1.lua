--[[
  Claims a PSK-identity or public-key index key for an endpoint. The claim is `token \n claimedAt \n endpoint`:
  the token is the one the endpoint's entry will carry, claimedAt lets a later put tell an abandoned claim
  from one in progress (see redis-security-store.ts).

  Succeeds when the key is free, already claimed by the same endpoint, or still holds exactly `expected`
  (taking over a claim the caller has proven stale).

  Input:
    KEYS[1] index key

    ARGV[1] endpoint
    ARGV[2] token of the new entry
    ARGV[3] now (ms since epoch)
    ARGV[4] expected current claim, or '' for none

  Output:
    { 1 } when claimed, { 0, current claim } when another endpoint holds it
]]
local cur = redis.call('GET', KEYS[1])
local claim = ARGV[2] .. '\n' .. ARGV[3] .. '\n' .. ARGV[1]
if cur then
  local owned = false
  if ARGV[4] ~= '' and cur == ARGV[4] then
    owned = true
  else
    local nl1 = string.find(cur, '\n', 1, true)
    local nl2 = nl1 and string.find(cur, '\n', nl1 + 1, true)
    owned = nl2 ~= nil and string.sub(cur, nl2 + 1) == ARGV[1]
  end
  if not owned then return { 0, cur } end
end
redis.call('SET', KEYS[1], claim)
return { 1 }
