--[[
  Creates a job record unless one with this id exists (idempotent submit, as PUT /jobs/v2/{jobId} in the Azure IoT Hub jobs doc).

  Input:
    KEYS[1] job hash
    KEYS[2] devices list
    KEYS[3] index sorted set (by creation time)
    KEYS[4] deadlines sorted set

    ARGV[1] job id
    ARGV[2] createdAt (ms)
    ARGV[3] deadline (ms)
    ARGV[4] n: number of field/value pairs that follow
    ARGV[5 .. 4+2n] field, value, ...
    ARGV[5+2n ..] device ids in target order

  Output:
    1 when created, 0 when a job with this id already exists (nothing changed)
]]
local jobKey, devicesKey, indexKey, deadlinesKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
if redis.call('EXISTS', jobKey) == 1 then return 0 end
local n = tonumber(ARGV[4])
redis.call('HSET', jobKey, unpack(ARGV, 5, 4 + 2 * n))
local first = 5 + 2 * n
for i = first, #ARGV, 1000 do
  redis.call('RPUSH', devicesKey, unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
redis.call('ZADD', indexKey, ARGV[2], ARGV[1])
redis.call('ZADD', deadlinesKey, ARGV[3], ARGV[1])
return 1
