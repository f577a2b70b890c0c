"""The cart store's Lua scripts (``cart.store``): each is one atomic step on one cart's
key. Every write script takes ARGV[1] the cart's new revision and ARGV[2] its lifetime in
seconds; what follows is each script's own."""

COMMON = """
local function touch(key, rev, ttl)
  redis.call('HSET', key, '_', '1', '_r', rev)
  redis.call('EXPIRE', key, ttl)
end
local function line_count(key)
  local n = redis.call('HLEN', key)
  for _, v in ipairs(redis.call('HMGET', key, '_', '_c', '_r')) do
    if v then n = n - 1 end
  end
  return n
end
-- "quantity:price[:o]" -> quantity, price
local function parse(v)
  local a = string.find(v, ':', 1, true)
  local b = string.find(v, ':', a + 1, true)
  return tonumber(string.sub(v, 1, a - 1)), string.sub(v, a + 1, b and b - 1 or nil)
end
"""

# KEYS: the cart. Returns {ttl, flat HGETALL}.
READ = "return {redis.call('TTL', KEYS[1]), redis.call('HGETALL', KEYS[1])}"

# ARGV: rev, ttl. Creates the cart (marker only) or renews it.
TOUCH = COMMON + "touch(KEYS[1], ARGV[1], ARGV[2]) return 1"

# ARGV: rev, ttl, variant id, quantity to add, unit price, max quantity (-1: none),
# max lines (-1: none), must the cart exist (0|1). A line that exists keeps its price.
# Returns {1, new quantity, ttl, flat HGETALL} | {-1, current quantity} (over the max)
# | {-2, line count} (too many lines) | {-4} (no such cart).
ADD = (
    COMMON
    + """
local key, vid, qty, price = KEYS[1], ARGV[3], tonumber(ARGV[4]), ARGV[5]
local maxq, maxlines = tonumber(ARGV[6]), tonumber(ARGV[7])
if ARGV[8] == '1' and redis.call('EXISTS', key) == 0 then return {-4} end
local cur, curq = redis.call('HGET', key, vid), 0
if cur then
  curq, price = parse(cur)
elseif maxlines >= 0 then
  local n = line_count(key)
  if n >= maxlines then return {-2, n} end
end
local newq = curq + qty
if maxq >= 0 and newq > maxq then return {-1, curq} end
redis.call('HSET', key, vid, newq .. ':' .. price)
touch(key, ARGV[1], ARGV[2])
return {1, newq, redis.call('TTL', key), redis.call('HGETALL', key)}
"""
)

# ARGV: rev, ttl, variant id, quantity (> 0), unit price, max lines, must exist.
# Returns {1, quantity} | {-2, line count} | {-4}.
SET = (
    COMMON
    + """
local key, vid, qty, price = KEYS[1], ARGV[3], tonumber(ARGV[4]), ARGV[5]
if ARGV[7] == '1' and redis.call('EXISTS', key) == 0 then return {-4} end
local cur = redis.call('HGET', key, vid)
if cur then
  local _
  _, price = parse(cur)
elseif tonumber(ARGV[6]) >= 0 then
  local n = line_count(key)
  if n >= tonumber(ARGV[6]) then return {-2, n} end
end
redis.call('HSET', key, vid, qty .. ':' .. price)
touch(key, ARGV[1], ARGV[2])
return {1, qty}
"""
)

# ARGV: rev, ttl, variant id. Returns 1 if the line was there.
REMOVE = (
    COMMON
    + """
local removed = redis.call('HDEL', KEYS[1], ARGV[3])
if removed == 1 then touch(KEYS[1], ARGV[1], ARGV[2]) end
return removed
"""
)

# ARGV: rev, ttl, code ('' takes it off), must exist. Taking a coupon off never creates
# a cart. Returns 1 if written.
COUPON = (
    COMMON
    + """
local exists = redis.call('EXISTS', KEYS[1]) == 1
if ARGV[3] == '' then
  if not exists then return 0 end
  redis.call('HDEL', KEYS[1], '_c')
else
  if ARGV[4] == '1' and not exists then return 0 end
  redis.call('HSET', KEYS[1], '_c', ARGV[3])
end
touch(KEYS[1], ARGV[1], ARGV[2])
return 1
"""
)

# What an order took. ARGV: rev, ttl, the coupon it used ('' none), then (variant id,
# quantity) pairs. Each line loses the quantity ordered (gone at 0), the coupon goes if it
# is still the one used, and a cart left without lines is deleted; whatever was added
# meanwhile stays. Returns 1 if the cart still exists.
TAKE = (
    COMMON
    + """
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return 0 end
for i = 4, #ARGV, 2 do
  local cur = redis.call('HGET', key, ARGV[i])
  if cur then
    local q = parse(cur)
    local left = q - tonumber(ARGV[i + 1])
    if left > 0 then
      redis.call('HSET', key, ARGV[i], left .. string.sub(cur, (string.find(cur, ':', 1, true))))
    else
      redis.call('HDEL', key, ARGV[i])
    end
  end
end
if ARGV[3] ~= '' and redis.call('HGET', key, '_c') == ARGV[3] then
  redis.call('HDEL', key, '_c')
end
if line_count(key) == 0 then
  redis.call('DEL', key)
  return 0
end
touch(key, ARGV[1], ARGV[2])
return 1
"""
)

# The source of a merge, read and deleted in one step (so two merges of one cart cannot
# both move its lines). Returns its flat HGETALL ({} when there is no such cart).
POP = """
local flat = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
return flat
"""

# Lines moved in from another cart. ARGV: rev, ttl, max quantity, max lines, a coupon to
# take if the cart has none ('' none), then (variant id, quantity, price, cap) quadruples.
# Quantities add; each line is clamped to min(cap, max quantity) (a cap of 0 drops it), a
# line already there keeps its quantity at least and its price; new lines beyond max
# lines are dropped. Returns {coupon taken (0|1), variant id, requested, merged, ...}.
MERGE_IN = (
    COMMON
    + """
local key, maxq, maxlines = KEYS[1], tonumber(ARGV[3]), tonumber(ARGV[4])
local out, count = {0}, line_count(key)
for i = 6, #ARGV, 4 do
  local vid, q, price, cap = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2], tonumber(ARGV[i + 3])
  local cur, curq = redis.call('HGET', key, vid), 0
  if cur then curq, price = parse(cur) end
  local want = curq + q
  local got = math.min(want, cap, maxq)
  if not cur and count >= maxlines then got = 0 end
  if got < curq then got = curq end
  if got > 0 then
    redis.call('HSET', key, vid, got .. ':' .. price)
    if not cur then count = count + 1 end
  end
  out[#out + 1] = tonumber(vid); out[#out + 1] = want; out[#out + 1] = got
end
if ARGV[5] ~= '' and redis.call('HSETNX', key, '_c', ARGV[5]) == 1 then out[1] = 1 end
touch(key, ARGV[1], ARGV[2])
return out
"""
)

# A read's write-back. ARGV: rev, ttl, then (field, expected value, new value) triples;
# '' as new deletes. Each applies only if the field still holds the expected value, so a
# reconciliation never undoes a concurrent write. Returns how many applied.
CAS = (
    COMMON
    + """
local applied = 0
for i = 3, #ARGV, 3 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then
    if ARGV[i + 2] == '' then
      redis.call('HDEL', KEYS[1], ARGV[i])
    else
      redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 2])
    end
    applied = applied + 1
  end
end
if applied > 0 then touch(KEYS[1], ARGV[1], ARGV[2]) end
return applied
"""
)
