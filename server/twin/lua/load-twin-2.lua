--[[
  Reads one twin for a query scan: both hashes packed into one string, so the client decodes one reply per twin
  instead of two dozen. A scan sends one call per twin (each on the twin's own slot), pipelined.

  KEYS[1]  twin header hash twin(ep)
  KEYS[2]  reported fields hash twinReported(ep)

  Returns header "field\0value\0…", then "\1", then reported "field\0value\0…" (empty parts for missing hashes).
  Stored JSON never holds a raw \0 or \1 (JSON escapes control characters) and field names exclude control
  characters, so the separators are unambiguous.
]]
return table.concat(redis.call('HGETALL', KEYS[1]), '\0') .. '\1' .. table.concat(redis.call('HGETALL', KEYS[2]), '\0')
