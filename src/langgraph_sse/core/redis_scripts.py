"""The Lua scripts the broker runs in Redis: each reads and writes in one step, so
no other replica acts in between."""

from __future__ import annotations

__all__ = ["DELETE_IF_HELD", "MARK_LOST", "RENEW_IF_HELD"]

# Compare-and-act on a thread claim, atomically: only the run holding it may
# renew or free it.
RENEW_IF_HELD = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
# Whether a run is lost: pending or running, but its replica stopped renewing
# its `alive` key (killed, cut off). The first to see it marks it so, for all.
MARK_LOST = """
local status = redis.call('hget', KEYS[1], 'status')
if not status then return 0 end
if redis.call('hget', KEYS[1], 'lost') == '1' then return 1 end
if (status == 'running' or status == 'pending') and redis.call('exists', KEYS[3]) == 0 then
  redis.call('hset', KEYS[1], 'status', 'error', 'lost', '1')
  redis.call('pexpire', KEYS[1], ARGV[1])
  redis.call('pexpire', KEYS[2], ARGV[1])
  return 1
end
return 0
"""
DELETE_IF_HELD = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""
