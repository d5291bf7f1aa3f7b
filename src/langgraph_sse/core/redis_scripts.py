"""The Lua scripts the broker runs in Redis: each reads and writes in one step, so
no other replica acts in between."""

from __future__ import annotations

__all__ = ["CANCEL", "CLAIM", "CLOSE", "DELETE_IF_HELD", "MARK_LOST", "RENEW_IF_HELD"]

# Claim a thread for a run unless another run holds it: nil once claimed (or
# held by this run already: its lease is renewed), else the holder's id. One
# step: a holder that lets go between a `SET NX` and a `GET` would otherwise be
# taken for no holder, and the run would believe it holds a thread it does not.
CLAIM = """
local holder = redis.call('get', KEYS[1])
if holder and holder ~= ARGV[1] then return holder end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
"""
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
# Ask for a run's cancel: a flag in its record (read by its replica as it copies
# frames and renews its lease, and once its cancel listener subscribes again), so
# that the ask is kept while that replica's listener is cut off, then the
# message its listener hears at once. KEYS: info; ARGV: channel, run id.
CANCEL = """
if redis.call('exists', KEYS[1]) == 1 then
  redis.call('hset', KEYS[1], 'cancel', '1')
end
return redis.call('publish', ARGV[1], ARGV[2])
"""
# Close a finished run, safe to run again (a reply lost to a cut is retried): the
# `end` entry after its last frame unless one is there, its final status, its
# retention, no more sign of life, and its thread freed if it still holds it.
# KEYS: info, frames, alive[, thread]; ARGV: seq of the last frame copied,
# status, events, retention (ms)[, run id].
CLOSE = """
local last = redis.call('xrevrange', KEYS[2], '+', '-', 'COUNT', 1)
local ended = false
local seq = tonumber(ARGV[1])
if #last > 0 then
  local fields = last[1][2]
  for i = 1, #fields, 2 do
    if fields[i] == 'end' then ended = true end
  end
  local top = tonumber(string.match(last[1][1], '^(%d+)'))
  if top > seq then seq = top end
end
if not ended then
  redis.call('xadd', KEYS[2], seq .. '-2', 'end', '1')
end
redis.call('hset', KEYS[1], 'status', ARGV[2], 'events', ARGV[3])
redis.call('pexpire', KEYS[2], ARGV[4])
redis.call('pexpire', KEYS[1], ARGV[4])
redis.call('del', KEYS[3])
if KEYS[4] and redis.call('get', KEYS[4]) == ARGV[5] then
  redis.call('del', KEYS[4])
end
return ended and 0 or 1
"""
