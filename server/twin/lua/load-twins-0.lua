--[[
  Reads many twins in one call (query scans): for each pair of keys, both hashes packed into one string, so the
  client decodes one reply per twin instead of two dozen.

  KEYS[2i-1]  twin header hash twin(ep)
  KEYS[2i]    reported fields hash twinReported(ep)

  Returns one string per twin: header "field\0value\0…", then "\1", then reported "field\0value\0…" (empty parts
  for missing hashes). Stored JSON never holds a raw \0 or \1 (JSON escapes control characters) and field names
  exclude control characters, so the separators are unambiguous.
]]
local out = {}
for i = 1, #KEYS, 2 do
  out[#out + 1] = table.concat(redis.call('HGETALL', KEYS[i]), '\0') .. '\1' .. table.concat(redis.call('HGETALL', KEYS[i + 1]), '\0')
end
return out
