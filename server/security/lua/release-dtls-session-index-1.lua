--[[
  Deletes a DTLS session index key (CID or peer address) if it still names the given session: a newer session
  indexed under the same key keeps it.

  Input:
    KEYS[1] index key

    ARGV[1] session handle

  Output:
    1 if deleted, else 0
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
