--[[
  Stores a DTLS session snapshot and reserves its next block of write sequence numbers, in one step, so a block
  handed out is always above every block handed out before for the same session (protocol/dtls/session-keeper.ts).

  Input:
    KEYS[1] session hash (fields: b sealed snapshot, w end of the highest block reserved)

    ARGV[1] sealed snapshot
    ARGV[2] lowest acceptable start of the block (the caller's next sequence number)
    ARGV[3] block size
    ARGV[4] time to live, ms

  Output:
    the first sequence number of the reserved block (a decimal string; sequence numbers are 48-bit)
]]
local w = tonumber(redis.call('HGET', KEYS[1], 'w') or '0')
local start = math.max(w, tonumber(ARGV[2]))
redis.call('HSET', KEYS[1], 'b', ARGV[1], 'w', string.format('%.0f', start + tonumber(ARGV[3])))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return string.format('%.0f', start)
