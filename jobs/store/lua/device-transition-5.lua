--[[
  Moves one device of a job to a new status and keeps the job's counts exact: the count of the old status is
  decremented and the new one incremented in the same step. A device in a final status (succeeded, failed,
  cancelled) never changes again, so a repeated attempt (stalled job, duplicate delivery) cannot count twice.
  The job becomes running when a device starts, and completed / failed when its last device finishes.
  A cancelled job turns a start (pending -> running) or a retry (-> pending) into cancelled.

  Input:
    KEYS[1] job hash
    KEYS[2] devices list
    KEYS[3] states hash
    KEYS[4] results hash
    KEYS[5] deadlines sorted set

    ARGV[1] job id
    ARGV[2] device id
    ARGV[3] new status: pending | running | succeeded | failed | cancelled
    ARGV[4] details JSON object without startedAt ('' = keep the stored details)
    ARGV[5] now (ms)
    ARGV[6] retention of a finished job (s)
    ARGV[7] firmware stage for the job record ('' = none; only kept for single-device jobs)
    ARGV[8] progress percent that goes with the stage
    ARGV[9] startedAt (ms) to record unless the details already hold one ('' = none)

  Output:
    { -1 } when the job does not exist, else
    { applied (1 changed, 0 device already final), deviceStatus, statusChanged, type, status, devices, pending,
      running, succeeded, failed, cancelled }
]]
local jobKey, statesKey, resultsKey, deadlinesKey = KEYS[1], KEYS[3], KEYS[4], KEYS[5]
local id, dev, to, now = ARGV[1], ARGV[2], ARGV[3], ARGV[5]

local status = redis.call('HGET', jobKey, 'status')
if not status then return { -1 } end
local prev = redis.call('HGET', statesKey, dev) or 'pending'
if isDeviceFinal(prev) then return reply(jobKey, 0, prev, 0) end
-- a cancelled job starts nothing new and retries nothing; a running device keeps running (stage reports)
if status == 'cancelled' and (to == 'pending' or (to == 'running' and prev ~= 'running')) then to = 'cancelled' end

if ARGV[4] ~= '' then
  local startedAt = ARGV[9]
  local old = redis.call('HGET', resultsKey, dev)
  if old then
    local s = string.match(old, '^{"startedAt":(%d+)')
    if s then startedAt = s end
  end
  local json = ARGV[4]
  if startedAt ~= '' then
    if json == '{}' then json = '{"startedAt":' .. startedAt .. '}'
    else json = '{"startedAt":' .. startedAt .. ',' .. string.sub(json, 2) end
  end
  redis.call('HSET', resultsKey, dev, json)
end

local changed = 0
if prev ~= to then
  redis.call('HSET', statesKey, dev, to)
  incrBy(jobKey, prev, -1)
  incrBy(jobKey, to, 1)
end
if to == 'running' and (status == 'queued' or status == 'scheduled') then
  redis.call('HSET', jobKey, 'status', 'running')
  if redis.call('HEXISTS', jobKey, 'startedAt') == 0 then redis.call('HSET', jobKey, 'startedAt', now) end
  changed = 1
end
if ARGV[7] ~= '' and redis.call('HGET', jobKey, 'devices') == '1' then
  redis.call('HSET', jobKey, 'stage', ARGV[7], 'percent', ARGV[8])
end
if isDeviceFinal(to) then
  local perJob = { KEYS[1], KEYS[2], KEYS[3], KEYS[4] }
  if settle(jobKey, perJob, deadlinesKey, id, now, tonumber(ARGV[6])) == 1 then changed = 1 end
end
return reply(jobKey, 1, to, changed)
