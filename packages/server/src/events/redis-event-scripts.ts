/**
 * The Redis side of the shared event bus, as Lua so that each step is one atomic unit on the server.
 * Keys: KEYS[1] the id counter, KEYS[2] the replay stream, KEYS[3] the horizon (every kept event
 * above it is still in the stream).
 *
 * Ids start from the server's clock (a thousand a millisecond) the first time they are needed, so
 * that a cursor handed out before the keys were lost (Redis restarted without persistence) is older
 * than anything kept now, and its client is told to resync.
 */
const ENSURE_COUNTER = `
local function ensure_counter()
  if redis.call('EXISTS', KEYS[1]) == 0 then
    local t = redis.call('TIME')
    local start = string.format('%d', (tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)) * 1000)
    redis.call('SET', KEYS[1], start)
    redis.call('SET', KEYS[3], start)
  end
end
`;

/**
 * Numbers an event, keeps it in the stream unless it is transient, and publishes it, all at once:
 * every instance hears events in id order, and an event is kept before anyone can hear of it.
 * ARGV: channel, topics (JSON), the event without its id (JSON), '1' if transient, stream capacity.
 * The message is the JSON `{"id":…,"t":topics,"e":event}`.
 */
export const PUBLISH_SCRIPT = `${ENSURE_COUNTER}
ensure_counter()
-- Formatted by hand: Lua would write a 16-digit number in exponent notation.
local id = string.format('%d', redis.call('INCR', KEYS[1]))
if ARGV[4] ~= '1' then
  redis.call('XADD', KEYS[2], id .. '-0', 't', ARGV[2], 'e', ARGV[3])
  if redis.call('XTRIM', KEYS[2], 'MAXLEN', '~', ARGV[5]) > 0 then
    local first = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)[1][1]
    redis.call('SET', KEYS[3], string.format('%d', tonumber(string.match(first, '^(%d+)')) - 1))
  end
end
redis.call('PUBLISH', ARGV[1], '{"id":' .. id .. ',"t":' .. ARGV[2] .. ',"e":' .. ARGV[3] .. '}')
return id
`;

/**
 * The newest id, and with a `since` (ARGV[1], or '' for none) the kept events after it as XRANGE
 * gives them, or false when some of them are gone or `since` was never handed out.
 * Returns { newest id, entries | false }.
 */
export const REPLAY_SCRIPT = `${ENSURE_COUNTER}
ensure_counter()
local newest = tonumber(redis.call('GET', KEYS[1]))
if ARGV[1] == '' then return { newest, {} } end
local since = tonumber(ARGV[1])
if since < tonumber(redis.call('GET', KEYS[3])) or since > newest then return { newest, false } end
return { newest, redis.call('XRANGE', KEYS[2], string.format('%d-0', since + 1), string.format('%d-0', newest)) }
`;
