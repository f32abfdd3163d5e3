--[[
  Releases an index key if it still holds the claim made by one entry (same endpoint and token): a newer
  put of the same endpoint, or another endpoint that took the key over since, keeps it.

  Input:
    KEYS[1] index key

    ARGV[1] endpoint
    ARGV[2] token of the entry that claimed it

  Output:
    1 if released, else 0
]]
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
local nl1 = string.find(cur, '\n', 1, true)
local nl2 = nl1 and string.find(cur, '\n', nl1 + 1, true)
if nl2 and string.sub(cur, 1, nl1 - 1) == ARGV[2] and string.sub(cur, nl2 + 1) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
