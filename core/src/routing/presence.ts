import { randomUUID } from 'node:crypto'
import type { ChainableCommander, Redis } from 'ioredis'
import type { Logger } from '@openline/sdk'

const ttlMs = 60_000
const refreshMs = 20_000
/** A stopped instance's connections are removed from Redis this long after its last heartbeat. */
const reapAfterMs = 5 * 60_000
/** About this many log entries are kept; a mirror further behind rebuilds from the connection hash. */
const logLength = 10_000
const readBatch = 1_000

export interface Presence {
  /** An agent connection opened on this instance; returns its id for `disconnect`. */
  connect: (userId: string) => Promise<string>
  disconnect: (connectionId: string) => Promise<void>
  /** The subset of `userIds` with at least one live connection on any instance. */
  online: (userIds: string[]) => Promise<Set<string>>
  /**
   * Who is online now, as a test (B4): one Redis round trip however many agents there are, so
   * a routing pass can check every queue member without a request per member.
   */
  snapshot: () => Promise<(userId: string) => boolean>
  close: () => Promise<void>
}

/**
 * Redis layout (names under the app's prefix), shared by every instance:
 * - `presence:instances`, sorted set: instance id → heartbeat expiry (epoch ms);
 * - `presence:connections`, hash: connection id → "userId instanceId";
 * - `presence:log`, stream: one entry per connection opened (`op` +) or closed (`op` -), with
 *   `c` connection, `u` user, `i` instance; `mark` entries are where a rebuilt mirror resumes.
 * A connection lives as long as its instance's heartbeat: a crashed instance's agents go offline
 * when its expiry passes, with no write per connection.
 */
export const presenceKeys = {
  instances: 'presence:instances',
  connections: 'presence:connections',
  log: 'presence:log'
} as const

/** The log's cap, for XADD: approximate trimming keeps it cheap. */
const logCap = ['MAXLEN', '~', String(logLength)] as const

/** Queue on `batch` the writes of one opened connection (hash and log); `key` adds the app's prefix. The bench seeds presence with it too. */
export function writeOpened (batch: ChainableCommander, key: (name: string) => string, connection: { connectionId: string, userId: string, instanceId: string }): void {
  const { connectionId, userId, instanceId } = connection
  batch.hset(key(presenceKeys.connections), connectionId, `${userId} ${instanceId}`)
    .xadd(key(presenceKeys.log), ...logCap, '*', 'op', '+', 'c', connectionId, 'u', userId, 'i', instanceId)
}

interface Mirror {
  connections: Map<string, { userId: string, instanceId: string }>
  byUser: Map<string, Set<string>>
  /** Instances whose heartbeat had not expired at the last read. */
  instances: Set<string>
  /** Users with a connection on a live instance, kept up to date entry by entry. */
  online: Set<string>
  /** `online` was handed out by `snapshot`: copy it before the next change (copy on write). */
  shared: boolean
  /** Last log entry applied; null before the first read. */
  position: string | null
}

/**
 * Presence from live agent connections (B4). Each instance keeps a mirror of every instance's
 * connections, brought up to date from the log before it is used: a routing pass costs one round
 * trip and the entries since the last pass, not a request per queue member.
 */
export function createPresence (deps: { redis: Redis, key: (name: string) => string, log: Logger, onOnline: (userId: string) => void }): Presence {
  const instanceId = randomUUID()
  const keys = { instances: deps.key(presenceKeys.instances), connections: deps.key(presenceKeys.connections), log: deps.key(presenceKeys.log) }
  const local = new Map<string, string>()
  const mirror: Mirror = { connections: new Map(), byUser: new Map(), instances: new Set(), online: new Set(), shared: false, position: null }
  let registered = false

  const connectedNow = (userId: string): boolean => {
    for (const c of mirror.byUser.get(userId) ?? []) {
      if (mirror.instances.has(mirror.connections.get(c)?.instanceId ?? '')) return true
    }
    return false
  }
  const writableOnline = (): Set<string> => {
    if (mirror.shared) {
      mirror.online = new Set(mirror.online)
      mirror.shared = false
    }
    return mirror.online
  }
  const addToMirror = (connectionId: string, userId: string, instance: string): void => {
    mirror.connections.set(connectionId, { userId, instanceId: instance })
    let set = mirror.byUser.get(userId)
    if (set === undefined) mirror.byUser.set(userId, set = new Set())
    set.add(connectionId)
    if (mirror.instances.has(instance) && !mirror.online.has(userId)) writableOnline().add(userId)
  }
  const removeFromMirror = (connectionId: string): void => {
    const entry = mirror.connections.get(connectionId)
    if (entry === undefined) return
    mirror.connections.delete(connectionId)
    const set = mirror.byUser.get(entry.userId)
    set?.delete(connectionId)
    if (set?.size === 0) mirror.byUser.delete(entry.userId)
    if (mirror.online.has(entry.userId) && !connectedNow(entry.userId)) writableOnline().delete(entry.userId)
  }
  /** The live instances as read; who is online is recomputed only when that set changed. */
  const setInstances = (live: string[], force = false): void => {
    const next = new Set(live)
    const same = next.size === mirror.instances.size && live.every(id => mirror.instances.has(id))
    mirror.instances = next
    if (same && !force) return
    const online = new Set<string>()
    for (const userId of mirror.byUser.keys()) if (connectedNow(userId)) online.add(userId)
    mirror.online = online
    mirror.shared = false
  }
  const applyEntries = (entries: [string, string[]][]): void => {
    for (const [id, fields] of entries) {
      const f: Record<string, string> = {}
      for (let i = 0; i < fields.length; i += 2) f[fields[i]] = fields[i + 1]
      if (f.op === '+') addToMirror(f.c, f.u, f.i)
      else if (f.op === '-') removeFromMirror(f.c)
      mirror.position = id
    }
  }

  async function rebuild (): Promise<void> {
    // Atomic: the hash as it is at the mark, and the mark as the place to resume reading from.
    const results = await deps.redis.multi()
      .hgetall(keys.connections)
      .xadd(keys.log, ...logCap, '*', 'op', 'mark')
      .zrangebyscore(keys.instances, Date.now(), '+inf')
      .exec()
    if (results === null) throw new Error('presence rebuild aborted')
    for (const [err] of results) if (err !== null) throw err
    const hash = results[0][1] as Record<string, string>
    mirror.connections.clear()
    mirror.byUser.clear()
    for (const [connectionId, value] of Object.entries(hash)) {
      const [userId, instance] = value.split(' ')
      addToMirror(connectionId, userId, instance)
    }
    mirror.position = results[1][1] as string
    setInstances(results[2][1] as string[], true)
  }

  async function pull (): Promise<void> {
    if (mirror.position === null) return rebuild()
    const results = await deps.redis.pipeline()
      // Inclusive start: the entry we stopped at comes back first, proving nothing after it was trimmed.
      .xrange(keys.log, mirror.position, '+', 'COUNT', readBatch + 1)
      .zrangebyscore(keys.instances, Date.now(), '+inf')
      .exec()
    if (results === null) throw new Error('presence read aborted')
    for (const [err] of results) if (err !== null) throw err
    let entries = results[0][1] as [string, string[]][]
    if (entries.length === 0 || entries[0][0] !== mirror.position) return rebuild()
    setInstances(results[1][1] as string[])
    while (true) {
      applyEntries(entries.slice(1))
      if (entries.length < readBatch + 1) return
      entries = await deps.redis.xrange(keys.log, mirror.position, '+', 'COUNT', readBatch + 1)
      if (entries.length === 0 || entries[0][0] !== mirror.position) return rebuild()
    }
  }

  // Reads run one at a time (entries apply in log order); a caller arriving during a read waits
  // for the next one, which starts after it and so sees every change made before the call.
  let running: Promise<void> | null = null
  let next: Promise<void> | null = null
  function sync (): Promise<void> {
    if (next !== null) return next
    if (running === null) {
      running = pull().finally(() => { running = null })
      return running
    }
    next = running.catch(() => {}).then(() => {
      next = null
      running = pull().finally(() => { running = null })
      return running
    })
    return next
  }

  const opened = (batch: ChainableCommander, connectionId: string, userId: string): void => writeOpened(batch, deps.key, { connectionId, userId, instanceId })
  const closed = (batch: ChainableCommander, connectionId: string, userId: string, instance: string): void => {
    batch.hdel(keys.connections, connectionId).xadd(keys.log, ...logCap, '*', 'op', '-', 'c', connectionId, 'u', userId, 'i', instance)
  }

  /**
   * This instance's heartbeat, then Redis made to agree with its open connections: written again
   * if Redis lost them (a restart, or reaped while this process was paused), removed if they are
   * closed here but a removal failed (Redis was down then).
   */
  async function heartbeat (): Promise<void> {
    await deps.redis.zadd(keys.instances, Date.now() + ttlMs, instanceId)
    registered = true
    await sync()
    const batch = deps.redis.multi()
    let writes = 0
    for (const [connectionId, userId] of local) {
      if (!mirror.connections.has(connectionId)) { opened(batch, connectionId, userId); writes++ }
    }
    for (const [connectionId, c] of mirror.connections) {
      if (c.instanceId === instanceId && !local.has(connectionId)) { closed(batch, connectionId, c.userId, instanceId); writes++ }
    }
    if (writes > 0) await batch.exec()
    await reap()
  }

  /** Connections of instances whose heartbeat stopped long ago: any instance may remove them (idempotent). */
  async function reap (): Promise<void> {
    const dead = await deps.redis.zrangebyscore(keys.instances, '-inf', Date.now() - reapAfterMs)
    if (dead.length === 0) return
    await sync()
    const gone = new Set(dead)
    const batch = deps.redis.multi()
    for (const [connectionId, c] of mirror.connections) if (gone.has(c.instanceId)) closed(batch, connectionId, c.userId, c.instanceId)
    batch.zrem(keys.instances, ...dead)
    await batch.exec()
  }

  const timer = setInterval(() => { heartbeat().catch(err => deps.log.warn({ err: err.message }, 'presence heartbeat failed')) }, refreshMs)
  timer.unref()

  return {
    async connect (userId) {
      if (!registered) await heartbeat()
      await sync()
      const wasOnline = mirror.online.has(userId)
      const connectionId = randomUUID()
      // Listed here first: a heartbeat meanwhile must not take it for a connection closed here.
      local.set(connectionId, userId)
      try {
        const batch = deps.redis.multi()
        opened(batch, connectionId, userId)
        await batch.exec()
      } catch (err) {
        local.delete(connectionId)
        throw err
      }
      if (!wasOnline) deps.onOnline(userId)
      return connectionId
    },
    async disconnect (connectionId) {
      const userId = local.get(connectionId)
      if (userId === undefined) return
      local.delete(connectionId)
      const batch = deps.redis.multi()
      closed(batch, connectionId, userId, instanceId)
      await batch.exec()
    },
    async online (userIds) {
      if (userIds.length === 0) return new Set()
      await sync()
      return new Set(userIds.filter(id => mirror.online.has(id)))
    },
    async snapshot () {
      await sync()
      // The pass keeps what it saw: the mirror copies the set before changing it again.
      const online = mirror.online
      mirror.shared = true
      return (userId: string) => online.has(userId)
    },
    async close () {
      clearInterval(timer)
      const batch = deps.redis.multi()
      for (const [connectionId, userId] of local) closed(batch, connectionId, userId, instanceId)
      batch.zrem(keys.instances, instanceId)
      local.clear()
      await batch.exec().catch(() => {})
    }
  }
}
