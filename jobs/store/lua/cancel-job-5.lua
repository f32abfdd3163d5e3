--[[
  Cancels a job (Azure IoT Hub jobs doc): status cancelled, every pending device cancelled (its queued work is skipped when
  dequeued); running devices finish and are counted, but the status stays cancelled.

  Input:
    KEYS[1] job hash
    KEYS[2] devices list
    KEYS[3] states hash
    KEYS[4] results hash
    KEYS[5] deadlines sorted set

    ARGV[1] job id
    ARGV[2] now (ms)
    ARGV[3] retention of a finished job (s)

  Output:
    { -1 } when the job does not exist, else { applied (1 cancelled now, 0 already completed or failed,
    2 already cancelled), '', statusChanged, type, status, devices, pending, running, succeeded, failed, cancelled }
]]
local jobKey, devicesKey, statesKey, deadlinesKey = KEYS[1], KEYS[2], KEYS[3], KEYS[5]
local id, now = ARGV[1], ARGV[2]

local status = redis.call('HGET', jobKey, 'status')
if not status then return { -1 } end
if status == 'completed' or status == 'failed' then return reply(jobKey, 0, '', 0) end
if status == 'cancelled' then return reply(jobKey, 2, '', 0) end

redis.call('HSET', jobKey, 'status', 'cancelled', 'endedAt', now)
local total = redis.call('LLEN', devicesKey)
local moved = 0
for i = 0, total - 1, 1000 do
  local devs = redis.call('LRANGE', devicesKey, i, i + 999)
  local states = redis.call('HMGET', statesKey, unpack(devs))
  local set = {}
  for j, dev in ipairs(devs) do
    if not states[j] or states[j] == 'pending' then
      set[#set + 1] = dev
      set[#set + 1] = 'cancelled'
      moved = moved + 1
    end
  end
  if #set > 0 then redis.call('HSET', statesKey, unpack(set)) end
end
incrBy(jobKey, 'pending', 0 - moved)
incrBy(jobKey, 'cancelled', moved)
settle(jobKey, { KEYS[1], KEYS[2], KEYS[3], KEYS[4] }, deadlinesKey, id, now, tonumber(ARGV[3]))
return reply(jobKey, 1, '', 1)
