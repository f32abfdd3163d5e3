--[[
  Applies one device's reported updates (the notify hot path). Mirrors applyReportedFields in reported-fields.ts
  rule for rule; see that file for the rules.

  KEYS[1] twin header hash     twin(ep)
  KEYS[2] reported fields hash twinReported(ep)
  ARGV[1] change channel
  ARGV[2] change message prefix: '{"ep":...,"origin":...,"sections":["reported"],"version":'
  ARGV[3] max reported size, bytes
  ARGV[4] n, the number of updates
  ARGV[5 + 5i ..] per update: field, value JSON ('null' = delete), timestamp ms, source, leaf size

  Returns {0} when the twin does not exist, else
    {1, changed (0|1), version, nChanged, changedField..., nRejected, rejectedField, reason, ...,
     nGone, field, valueJson, ts, ...}
  where the last list names the numeric leaf values (value and timestamp) that are not, or no longer, stored: the
  ones this call replaced or deleted and its own numbers that did not apply. The store removes their members from
  the numeric range index (number-index.ts), which lives in other slots.
]]
local header, fields = KEYS[1], KEYS[2]
local cur = redis.call('HMGET', header, 'version', 'rsize', 'lastActivity')
if not cur[1] then return {0} end
local version = tonumber(cur[1])
local size = tonumber(cur[2] or '0')
local storedActivity = tonumber(cur[3] or '-1')
local lastActivity, lastActivityRaw = storedActivity, cur[3]
local maxSize = tonumber(ARGV[3])
local n = tonumber(ARGV[4])

-- Stored leaf: [valueJson,ts,"source"]; also returns the timestamp as stored
local function parse(raw)
  local v, ts, src = string.match(raw, '^%[(.*),(%d+),"(%a+)"%]$')
  return v, tonumber(ts), src, ts
end
local gone = {}
local function bury(field, v, tsRaw)
  local c = string.byte(v, 1)
  if c == 45 or (c >= 48 and c <= 57) then
    gone[#gone + 1] = field
    gone[#gone + 1] = v
    gone[#gone + 1] = tsRaw
  end
end
local function leafSize(field, v)
  if v == 'null' then return 0 end
  local c = string.sub(v, 1, 1)
  if c == '"' then return #field + #v - 2 end
  if v == 'true' or v == 'false' then return #field + 4 end
  return #field + 8
end
local function encode(v, ts, src)
  return '[' .. v .. ',' .. ts .. ',"' .. src .. '"]'
end

local names = nil -- every field name, read on first need
local function below(field)
  if not names then names = redis.call('HKEYS', fields) end
  local prefix = field .. '.'
  local out = {}
  for _, k in ipairs(names) do
    if string.sub(k, 1, #prefix) == prefix then out[#out + 1] = k end
  end
  return out
end
local function remember(field)
  if names then names[#names + 1] = field end
end

local changed, touched = false, false
local changedFields, rejected = {}, {}

for i = 0, n - 1 do
  local base = 5 + i * 5
  local field, value, tsRaw, src, usize = ARGV[base], ARGV[base + 1], ARGV[base + 2], ARGV[base + 3], tonumber(ARGV[base + 4])
  local ts = tonumber(tsRaw)
  if ts > lastActivity then lastActivity, lastActivityRaw = ts, tsRaw end

  if value == 'null' then
    local targets = below(field)
    table.insert(targets, 1, field)
    for _, target in ipairs(targets) do
      local raw = redis.call('HGET', fields, target)
      local ov, ots, _, otsRaw
      if raw then ov, ots, _, otsRaw = parse(raw) end
      if not raw or ots <= ts then
        if raw and ov ~= 'null' then
          bury(target, ov, otsRaw)
          size = size - leafSize(target, ov)
          changed = true
          changedFields[#changedFields + 1] = target
        end
        if not raw then remember(target) end
        redis.call('HSET', fields, target, encode('null', tsRaw, src))
        touched = true
      end
    end
  else
    local raw = redis.call('HGET', fields, field)
    local ov, ots, osrc, otsRaw
    if raw then ov, ots, osrc, otsRaw = parse(raw) end
    if raw and ots > ts then
      -- stale: a newer value is stored
      bury(field, value, tsRaw)
    elseif raw and ov ~= 'null' and ov == value then
      if ots ~= ts or osrc ~= src then
        if ots ~= ts then bury(field, ov, otsRaw) end
        redis.call('HSET', fields, field, encode(value, tsRaw, src))
        touched = true
      end
    else
      local conflicts, blocked = {}, false
      if not raw or ov == 'null' then
        local related = {}
        local pos = 0
        while true do
          pos = string.find(field, '.', pos + 1, true)
          if not pos then break end
          related[#related + 1] = string.sub(field, 1, pos - 1)
        end
        for _, k in ipairs(below(field)) do related[#related + 1] = k end
        for _, other in ipairs(related) do
          local r = redis.call('HGET', fields, other)
          if r then
            local v2, t2 = parse(r)
            if v2 ~= 'null' then
              if t2 > ts then blocked = true else conflicts[#conflicts + 1] = other end
            end
          end
        end
      end
      if blocked then bury(field, value, tsRaw) end
      if not blocked then
        local newSize = size + usize
        if raw and ov ~= 'null' then newSize = newSize - leafSize(field, ov) end
        for _, other in ipairs(conflicts) do
          local v2 = parse(redis.call('HGET', fields, other))
          newSize = newSize - leafSize(other, v2)
        end
        if newSize > maxSize then
          bury(field, value, tsRaw)
          rejected[#rejected + 1] = field
          rejected[#rejected + 1] = 'reported size would be ' .. newSize .. ' bytes, over the ' .. maxSize .. '-byte limit'
        else
          for _, other in ipairs(conflicts) do
            local v2, _, _, t2Raw = parse(redis.call('HGET', fields, other))
            bury(other, v2, t2Raw)
            redis.call('HSET', fields, other, encode('null', tsRaw, src))
            changedFields[#changedFields + 1] = other
          end
          if raw and ov ~= 'null' then bury(field, ov, otsRaw) end
          if not raw then remember(field) end
          redis.call('HSET', fields, field, encode(value, tsRaw, src))
          size = newSize
          changed, touched = true, true
          changedFields[#changedFields + 1] = field
        end
      end
    end
  end
end

local activityMoved = lastActivity > storedActivity
if changed then
  version = redis.call('HINCRBY', header, 'version', 1)
  redis.call('HINCRBY', header, 'rversion', 1)
  redis.call('HSET', header, 'rsize', size)
end
if activityMoved then redis.call('HSET', header, 'lastActivity', lastActivityRaw) end
if changed or touched or activityMoved then
  redis.call('PUBLISH', ARGV[1], ARGV[2] .. version .. '}')
end

local out = {1, changed and 1 or 0, version, #changedFields}
for _, f in ipairs(changedFields) do out[#out + 1] = f end
out[#out + 1] = #rejected / 2
for _, r in ipairs(rejected) do out[#out + 1] = r end
out[#out + 1] = #gone / 3
for _, g in ipairs(gone) do out[#out + 1] = g end
return out
