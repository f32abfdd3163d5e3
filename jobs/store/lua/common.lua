--[[
  Helpers prepended to every jobs script.
  A job hash holds: status, devices, pending, running, succeeded, failed, cancelled, endedAt ... (see job-store.ts).
  A device is pending when absent from the states hash.
]]
-- HINCRBY, skipped for 0 (Lua's -0 would reach Redis as "-0", which HINCRBY rejects mid-script)
local function incrBy(key, field, n)
  if n ~= 0 then redis.call('HINCRBY', key, field, n) end
end

local function isDeviceFinal(s)
  return s == 'succeeded' or s == 'failed' or s == 'cancelled'
end

-- { applied, deviceStatus, statusChanged, type, status, devices, pending, running, succeeded, failed, cancelled }
local function reply(jobKey, applied, deviceStatus, statusChanged)
  local h = redis.call('HMGET', jobKey, 'type', 'status', 'devices', 'pending', 'running', 'succeeded', 'failed', 'cancelled')
  return { applied, deviceStatus or '', statusChanged, h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8] }
end

-- Once no device is pending or running: final status (completed, or failed when every device failed), endedAt,
-- retention expiry, and the job leaves the deadline set. Returns 1 when the status changed.
local function settle(jobKey, perJobKeys, deadlinesKey, id, now, retentionSec)
  local c = redis.call('HMGET', jobKey, 'status', 'pending', 'running', 'succeeded', 'failed', 'cancelled')
  if tonumber(c[2]) + tonumber(c[3]) > 0 then return 0 end
  local changed = 0
  local status = c[1]
  if status ~= 'completed' and status ~= 'failed' and status ~= 'cancelled' then
    local final = 'completed'
    if tonumber(c[4]) == 0 and tonumber(c[5]) > 0 and tonumber(c[6]) == 0 then final = 'failed' end
    redis.call('HSET', jobKey, 'status', final)
    changed = 1
  end
  if redis.call('HEXISTS', jobKey, 'endedAt') == 0 then redis.call('HSET', jobKey, 'endedAt', now) end
  redis.call('ZREM', deadlinesKey, id)
  if retentionSec > 0 then
    for _, key in ipairs(perJobKeys) do redis.call('EXPIRE', key, retentionSec) end
  end
  return changed
end
