--[[
  Claims jobs whose deadline has passed for one sweeper: returns them and pushes their score `lease` ms into the
  future, so that concurrent sweepers (other processes) skip them while this one works. The sweeper removes an
  entry once the job is settled; a sweeper that dies lets the lease run out and another one retries.

  Input:
    KEYS[1] deadlines sorted set

    ARGV[1] now (ms): claim entries scored at or below
    ARGV[2] lease (ms)
    ARGV[3] at most this many

  Output:
    the claimed job ids
]]
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local until_ = tonumber(ARGV[1]) + tonumber(ARGV[2])
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], 'XX', until_, id) end
return ids
