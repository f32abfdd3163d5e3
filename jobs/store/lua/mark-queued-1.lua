--[[
  A fleet job's start time came: scheduled -> queued (any other status is left alone).

  Input:
    KEYS[1] job hash

  Output:
    the status after the call, or false when the job does not exist
]]
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return false end
if status == 'scheduled' then
  redis.call('HSET', KEYS[1], 'status', 'queued')
  return 'queued'
end
return status
