--[[
  Deletes a key only while it still holds `value`: a registration's peer index entry, which another registration
  may own since (a new device behind the same NAT address and port, or the same device registered again from the
  same address); a fleet lease, which another node may hold since.

  Input:
    KEYS[1] key
    ARGV[1] value

  Output:
    1 when deleted, else 0
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
