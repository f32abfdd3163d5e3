--[[
  Enforces a job's deadline (Azure IoT Hub jobs doc, `maxExecutionTimeInSeconds`): every device still pending or running fails
  with the given error, then the job settles (completed, or failed when every device failed; a cancelled job
  stays cancelled). Does nothing to a finished job except drop it from the deadline set.

  Input:
    KEYS[1] job hash
    KEYS[2] devices list
    KEYS[3] states hash
    KEYS[4] results hash
    KEYS[5] deadlines sorted set

    ARGV[1] job id
    ARGV[2] now (ms)
    ARGV[3] retention of a finished job (s)
    ARGV[4] error JSON ({ code, message })

  Output:
    { -1 } when the job does not exist, else { applied (1 when devices were failed), '', statusChanged, type,
    status, devices, pending, running, succeeded, failed, cancelled }
]]
local jobKey, devicesKey, statesKey, resultsKey, deadlinesKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local id, now = ARGV[1], ARGV[2]

local status = redis.call('HGET', jobKey, 'status')
if not status then
  redis.call('ZREM', deadlinesKey, id)
  return { -1 }
end
local c = redis.call('HMGET', jobKey, 'pending', 'running')
if tonumber(c[1]) + tonumber(c[2]) == 0 then
  local changed = settle(jobKey, { KEYS[1], KEYS[2], KEYS[3], KEYS[4] }, deadlinesKey, id, now, tonumber(ARGV[3]))
  return reply(jobKey, 0, '', changed)
end

local total = redis.call('LLEN', devicesKey)
local pending, running = 0, 0
for i = 0, total - 1, 1000 do
  local devs = redis.call('LRANGE', devicesKey, i, i + 999)
  local states = redis.call('HMGET', statesKey, unpack(devs))
  for j, dev in ipairs(devs) do
    local s = states[j] or 'pending'
    if s == 'pending' or s == 'running' then
      if s == 'pending' then pending = pending + 1 else running = running + 1 end
      local old = redis.call('HGET', resultsKey, dev) or ''
      local startedAt = string.match(old, '^{"startedAt":(%d+)')
      local attempts = string.match(old, '"attempts":(%d+)') or '0'
      local json = '{'
      if startedAt then json = json .. '"startedAt":' .. startedAt .. ',' end
      json = json .. '"attempts":' .. attempts .. ',"endedAt":' .. now .. ',"error":' .. ARGV[4] .. '}'
      redis.call('HSET', statesKey, dev, 'failed')
      redis.call('HSET', resultsKey, dev, json)
    end
  end
end
incrBy(jobKey, 'pending', 0 - pending)
incrBy(jobKey, 'running', 0 - running)
incrBy(jobKey, 'failed', pending + running)
local changed = settle(jobKey, { KEYS[1], KEYS[2], KEYS[3], KEYS[4] }, deadlinesKey, id, now, tonumber(ARGV[3]))
return reply(jobKey, 1, '', changed)
