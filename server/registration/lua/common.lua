--[[
  Helpers prepended to every registration script (see redis-registration-scripts.ts).
  Every script touches one key: a registration hash (hash-tagged by endpoint) or one index key, so each runs on
  one Redis Cluster slot. A registration hash records the names of its id and peer index keys in fields `ik` and
  `pk`, so the store can drop them later without rebuilding key names.
]]

-- A flat HGETALL reply as a field -> value table.
local function toTable(flat)
  local t = {}
  for i = 1, #flat, 2 do
    t[flat[i]] = flat[i + 1]
  end
  return t
end
