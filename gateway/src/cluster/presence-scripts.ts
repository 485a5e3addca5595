/**
 * The Lua scripts of cluster presence (`presence.ts`). Every compare-and-set step runs inside Redis, and every
 * "is that node live" decision uses Redis's clock (`TIME`), never a node's: nodes' clocks may disagree, the one
 * Redis is the judge. Scripts that span many agents build the key names themselves from a prefix, so they were
 * never for a sharded Redis (one Redis, as the rest of the cluster).
 * @module
 */

/** Redis's clock in milliseconds, as a Lua prelude. */
const NOW = `local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)`;

/**
 * Takes the agent for this node: a new epoch, the home key (no TTL: liveness is the node's, see HEARTBEAT), the
 * node's set; the agent leaves the set of the node that held it. Returns the epoch and the previous home (or the
 * last one remembered), whose node the caller tells at once. KEYS: epoch, home, this node's set, last home.
 * ARGV: node, agent, prefix of node sets.
 */
export const CLAIM = `
local home = redis.call('GET', KEYS[2])
local previous = home or redis.call('GET', KEYS[4])
local epoch = redis.call('INCR', KEYS[1])
redis.call('SET', KEYS[2], ARGV[1] .. '|' .. epoch)
redis.call('SADD', KEYS[3], ARGV[2])
if home then
  local owner = string.match(home, '^(.*)|')
  if owner and owner ~= ARGV[1] then redis.call('SREM', ARGV[3] .. owner, ARGV[2]) end
end
return {epoch, previous or ''}`;

/**
 * The node's heartbeat: its score in the node set becomes Redis's now. Answers how long ago (Redis's clock) the
 * previous heartbeat landed, or -1 when there was none (first start, or other nodes removed this one as dead):
 * a gap longer than the liveness bound means other nodes may have counted this node dead meanwhile.
 * KEYS: the node set. ARGV: node.
 */
export const HEARTBEAT = `${NOW}
local previous = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], now, ARGV[1])
if previous then return now - tonumber(previous) end
return -1`;

/**
 * Checks a slice of this node's claims: one stays ours while the home key names us at our epoch. A claim with no
 * home key (other nodes removed it while they counted this node dead) is taken back only while nobody claimed
 * the agent since (the epoch counter is not past ours); anything else is lost, and the agent leaves our set.
 * Reads only, unless a claim is taken back. KEYS: the node's set. ARGV: node, key prefix, then agent id and epoch
 * per agent. Answers the 1-based positions of the agents lost, and minus those of the claims taken back.
 */
export const VERIFY = `
local changed = {}
local node, prefix = ARGV[1], ARGV[2]
for i = 1, (#ARGV - 2) / 2 do
  local agent, epoch = ARGV[2 * i + 1], ARGV[2 * i + 2]
  local home_key = prefix .. 'home:' .. agent
  local claim = node .. '|' .. epoch
  local home = redis.call('GET', home_key)
  if home ~= claim then
    local counter = tonumber(redis.call('GET', prefix .. 'epoch:' .. agent) or '0')
    if not home and counter <= tonumber(epoch) then
      redis.call('SET', home_key, claim)
      redis.call('SADD', KEYS[1], agent)
      changed[#changed + 1] = -i
    else
      redis.call('SREM', KEYS[1], agent)
      changed[#changed + 1] = i
    end
  end
end
return changed`;

/**
 * Where each agent lives, counting a home whose node has no heartbeat within ARGV[2] ms as no home (that node
 * died or froze: its agents are offline, whatever its stale keys say). One call: the homes, then one ZSCORE per
 * distinct node. KEYS[1]: the node set; KEYS[2..]: the home keys.
 */
export const HOMES = `${NOW}
local cutoff = now - tonumber(ARGV[1])
local homes = redis.call('MGET', unpack(KEYS, 2))
local live = {}
for i = 1, #homes do
  local home = homes[i]
  if home then
    local node = string.match(home, '^(.*)|') or ''
    if live[node] == nil then
      local score = redis.call('ZSCORE', KEYS[1], node)
      live[node] = (score and tonumber(score) >= cutoff) or false
    end
    if not live[node] then homes[i] = false end
  end
end
return homes`;

/** Which of the nodes in ARGV[2..] had a heartbeat within ARGV[1] ms: 1 or 0 each. KEYS[1]: the node set. */
export const LIVE_NODES = `${NOW}
local cutoff = now - tonumber(ARGV[1])
local live = {}
for i = 2, #ARGV do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  live[i - 1] = (score and tonumber(score) >= cutoff) and 1 or 0
end
return live`;

/** Nodes whose last heartbeat is older than ARGV[1] ms. KEYS[1]: the node set. */
export const DEAD_NODES = `${NOW}
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - tonumber(ARGV[1])))`;

/**
 * Removes a slice of a dead node's presence, read from its own set (never a keyspace scan): pops up to ARGV[4]
 * agents, deletes each home key that still names the node (remembering it as the agent's last home for ARGV[5]
 * ms), and forgets the node once its set is empty. Stops (-1) if the node had a heartbeat within ARGV[2] ms
 * meanwhile, unless ARGV[2] is 'own' (a node clearing what an earlier process with its id left). Answers how many
 * agents it popped. KEYS: node set, the node's set. ARGV: node, dead-after ms or 'own', prefix, slice, last-home ms.
 */
export const REAP_SLICE = `${NOW}
local node = ARGV[1]
if ARGV[2] ~= 'own' then
  local score = redis.call('ZSCORE', KEYS[1], node)
  if score and tonumber(score) >= now - tonumber(ARGV[2]) then return -1 end
end
local agents = redis.call('SPOP', KEYS[2], tonumber(ARGV[4]))
for _, agent in ipairs(agents) do
  local home_key = ARGV[3] .. 'home:' .. agent
  local home = redis.call('GET', home_key)
  if home and string.sub(home, 1, #node + 1) == node .. '|' then
    redis.call('DEL', home_key)
    redis.call('SET', ARGV[3] .. 'last-home:' .. agent, home, 'PX', ARGV[5])
  end
end
if redis.call('SCARD', KEYS[2]) == 0 and ARGV[2] ~= 'own' then redis.call('ZREM', KEYS[1], node) end
return #agents`;

/**
 * Deletes the home key only if it is exactly `ARGV[1]` (`node|epoch`); remembers it for a while as the agent's
 * last home (KEYS[3]), so the node that takes the agent next can tell this one which requests the connector still
 * holds. The agent leaves the node's set unless the node holds it again at a newer epoch. KEYS: home, the node's
 * set, last home. ARGV: claim, agent, last-home ms.
 */
export const RELEASE = `
local home = redis.call('GET', KEYS[1])
if home == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[3], home, 'PX', ARGV[3])
  redis.call('SREM', KEYS[2], ARGV[2])
  return 1
end
local node = string.match(ARGV[1], '^(.*)|')
if not home or string.sub(home, 1, #node + 1) ~= node .. '|' then redis.call('SREM', KEYS[2], ARGV[2]) end
return 0`;
