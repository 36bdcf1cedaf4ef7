import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { Logger } from '@openline/sdk'

const ttlMs = 60_000
const refreshMs = 20_000

export interface Presence {
  /** An agent connection opened on this instance; returns its id for `disconnect`. */
  connect: (userId: string) => Promise<string>
  disconnect: (connectionId: string) => Promise<void>
  /** The subset of `userIds` with at least one live connection on any instance. */
  online: (userIds: string[]) => Promise<Set<string>>
  close: () => Promise<void>
}

/**
 * Presence from live agent connections (B4), shared by every instance through Redis: one sorted
 * set per agent, a member per connection scored with its expiry, refreshed by this instance's
 * heartbeat. A crashed instance's connections expire on their own.
 */
export function createPresence (deps: { redis: Redis, key: (name: string) => string, log: Logger, onOnline: (userId: string) => void }): Presence {
  const local = new Map<string, string>()
  const keyOf = (userId: string): string => deps.key(`presence:${userId}`)
  const refresh = async (): Promise<void> => {
    if (local.size === 0) return
    const expiry = Date.now() + ttlMs
    const pipeline = deps.redis.pipeline()
    for (const [connectionId, userId] of local) {
      pipeline.zadd(keyOf(userId), expiry, connectionId)
      pipeline.pexpire(keyOf(userId), ttlMs)
    }
    await pipeline.exec()
  }
  const timer = setInterval(() => { refresh().catch(err => deps.log.warn({ err: err.message }, 'presence heartbeat failed')) }, refreshMs)
  timer.unref()
  return {
    async connect (userId) {
      const connectionId = randomUUID()
      local.set(connectionId, userId)
      const wasOnline = (await deps.redis.zcount(keyOf(userId), Date.now(), '+inf')) > 0
      await deps.redis.multi().zadd(keyOf(userId), Date.now() + ttlMs, connectionId).pexpire(keyOf(userId), ttlMs).exec()
      if (!wasOnline) deps.onOnline(userId)
      return connectionId
    },
    async disconnect (connectionId) {
      const userId = local.get(connectionId)
      if (userId === undefined) return
      local.delete(connectionId)
      await deps.redis.zrem(keyOf(userId), connectionId)
    },
    async online (userIds) {
      if (userIds.length === 0) return new Set()
      const now = Date.now()
      const pipeline = deps.redis.pipeline()
      for (const id of userIds) pipeline.zcount(keyOf(id), now, '+inf')
      const results = await pipeline.exec() ?? []
      const out = new Set<string>()
      results.forEach(([err, count], i) => { if (err === null && Number(count) > 0) out.add(userIds[i]) })
      return out
    },
    async close () {
      clearInterval(timer)
      const pipeline = deps.redis.pipeline()
      for (const [connectionId, userId] of local) pipeline.zrem(keyOf(userId), connectionId)
      local.clear()
      await pipeline.exec().catch(() => {})
    }
  }
}
