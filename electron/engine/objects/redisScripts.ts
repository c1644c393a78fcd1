/**
 * The Lua scripts the Redis backend runs (each one atomic in Redis). Key layout, with the object id
 * as a hash tag so one object's keys sit on one Redis Cluster slot:
 *   cutline:objects                    hash id → {type, options, epoch}      (the registry)
 *   cutline:obj:{id}:v                 the object's version (0 at create)
 *   cutline:obj:{id}:ops               Stream of accepted ops, entry id 0-<version>: gap-free by construction
 *   cutline:obj:{id}:snap              {v, data}: a snapshot so a new process need not replay everything
 *   cutline:obj:{id}:seq               the sequencer lease: which process runs the rules now
 *   cutline:obj:{id}:idem:<epoch>:<client>:<key>   the version an idempotency key was applied at
 *   cutline:rate:<key>                 a token bucket (rate limits held across gateways)
 *   cutline:audienceKey                the HS256 key viewer tokens are signed with
 * Every change is published on cutline:objects:events so every process applies it too.
 */

export const EVENTS_CHANNEL = 'cutline:objects:events';
export const REGISTRY_KEY = 'cutline:objects';
export const AUDIENCE_KEY = 'cutline:audienceKey';

export function objectKeys(id: string) {
  const base = `cutline:obj:{${id}}`;
  return { version: `${base}:v`, ops: `${base}:ops`, snap: `${base}:snap`, lease: `${base}:seq`, idem: (epoch: string, clientId: string, key: string) => `${base}:idem:${epoch}:${clientId}:${key}` };
}

/** KEYS: registry, version, ops, snap. ARGV: id, meta JSON, maxObjects, event JSON, channel. */
export const CREATE_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 'exists' end
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return 'full' end
redis.call('DEL', KEYS[3], KEYS[4])
redis.call('SET', KEYS[2], '0')
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PUBLISH', ARGV[5], ARGV[4])
return 'ok'`;

/** KEYS: registry, version, ops, snap. ARGV: id, event JSON, channel. */
export const DELETE_SCRIPT = `
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
redis.call('PUBLISH', ARGV[3], ARGV[2])
return 1`;

/**
 * Takes the sequencer lease. KEYS: lease, version, idempotency keys of the batch.
 * ARGV: owner, lease ms. → {0} when another process holds it, else {1, version, seen…} where seen
 * is the version each idempotency key was applied at, or -1.
 */
export const LEASE_SCRIPT = `
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {0} end
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
local v = redis.call('GET', KEYS[2])
if not v then redis.call('DEL', KEYS[1]) return {-1} end
local out = {1, tonumber(v)}
for i = 3, #KEYS do
  local seen = redis.call('GET', KEYS[i])
  out[#out + 1] = seen and tonumber(seen) or -1
end
return out`;

/** KEYS: lease. ARGV: owner, channel, "free" message. Tells the processes waiting for the lease. */
export const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], ARGV[3])
end
return 1`;

/**
 * Appends a batch of accepted ops (the "ops" message also tells waiting processes the lease is free), only if this process still holds the lease and the version is
 * the one its rules ran on (the compare-and-set is what keeps versions gap-free even if a lease
 * expired under a stalled process). KEYS: lease, version, ops, idempotency keys…
 * ARGV: owner, expected version, n, channel, id JSON, idempotency TTL s, then per op: record JSON,
 * index into KEYS of its idempotency key (0 = none). Releases the lease. → {1, new version} or {0, version}.
 */
export const COMMIT_SCRIPT = `
local v = tonumber(redis.call('GET', KEYS[2]) or '-1')
if redis.call('GET', KEYS[1]) ~= ARGV[1] or v ~= tonumber(ARGV[2]) then return {0, v} end
local n = tonumber(ARGV[3])
local records = {}
for i = 1, n do
  local rec = ARGV[5 + 2 * i]
  redis.call('XADD', KEYS[3], '0-' .. (v + i), 'r', rec)
  local k = tonumber(ARGV[6 + 2 * i])
  if k > 0 then redis.call('SET', KEYS[k], v + i, 'EX', ARGV[6]) end
  records[i] = rec
end
redis.call('SET', KEYS[2], v + n)
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[4], '{"kind":"ops","id":' .. ARGV[5] .. ',"records":[' .. table.concat(records, ',') .. ']}')
return {1, v + n}`;

/** KEYS: snap. ARGV: version, snapshot JSON. Keeps the newest snapshot only. */
export const SNAPSHOT_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local v = tonumber(string.match(cur, '^{"v":(%d+)'))
  if v and v >= tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2])
return 1`;

/**
 * A token bucket on Redis's own clock, so every gateway spends from one budget per key.
 * KEYS: bucket. ARGV: per second, burst. → {1, 0} taken, or {0, ms until a token}.
 */
export const RATE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 't', 'u')
local tokens = tonumber(b[1]) or burst
local updated = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - updated) / 1000 * rate)
local ok = 0
if tokens >= 1 then tokens = tokens - 1 ok = 1 end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'u', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
if ok == 1 then return {1, 0} end
return {0, math.ceil((1 - tokens) / rate * 1000)}`;
