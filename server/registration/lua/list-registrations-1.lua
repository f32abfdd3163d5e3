--[[
  Reads one page of registrations in expiry-set order, i.e. by (expiresAt, endpoint).
  The page starts after the cursor's member if it is still in the set with the cursor's score; otherwise
  at the first member scored at or after the cursor's score (duplicates rather than misses).

  Input:
    KEYS[1] expiry sorted set

    ARGV[1] cursor score, or '' for the first page
    ARGV[2] cursor endpoint
    ARGV[3] count
    ARGV[4] registration hash key name before the endpoint
    ARGV[5] registration hash key name after the endpoint

  Output:
    { { registration hashes (flat arrays)... }, last endpoint or false, its score, 1 if more follow else 0 }
]]
local expiryKey = KEYS[1]
local count = tonumber(ARGV[3])

local start = 0
if ARGV[1] ~= '' then
  local score = redis.call('ZSCORE', expiryKey, ARGV[2])
  if score and tonumber(score) == tonumber(ARGV[1]) then
    start = redis.call('ZRANK', expiryKey, ARGV[2]) + 1
  else
    start = redis.call('ZCOUNT', expiryKey, '-inf', '(' .. ARGV[1])
  end
end

local page = redis.call('ZRANGE', expiryKey, start, start + count - 1, 'WITHSCORES')
local items = {}
for i = 1, #page, 2 do
  local flat = redis.call('HGETALL', ARGV[4] .. page[i] .. ARGV[5])
  if #flat > 0 then items[#items + 1] = flat end
end
if #page == 0 then return { items, false, '', 0 } end
local more = 0
if start + count < redis.call('ZCARD', expiryKey) then more = 1 end
return { items, page[#page - 1], page[#page], more }
