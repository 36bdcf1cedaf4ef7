// Subscription plumbing: topics the plugin publishes on (through `ctx.publish`, so every instance
// hears them) and a filtered stream over mercurius' per-subscription queue.
import type { AgentContext } from '@openline/sdk'

export const topics = {
  /** One topic per chat: a subscriber listens only to the chat it asked for. */
  chat: (chatId: string) => `team:chat:${chatId}`,
  /** One topic per user: what concerns only them (being added to a chat). */
  user: (userId: string) => `team:user:${userId}`,
  feed: 'team:feed'
} as const

/** What mercurius passes a subscription resolver on the agent API. */
export interface SubscriptionContext extends AgentContext {
  pubsub: { subscribe: (topic: string) => Promise<AsyncIterable<unknown>> }
}

/**
 * The payloads of `source` that `keep` accepts. `return` reaches the source at once (a member who
 * unsubscribes frees the queue without waiting for another push); a failing check drops the payload.
 */
export function filtered (source: AsyncIterable<unknown>, keep: (payload: any) => Promise<boolean>): AsyncIterableIterator<unknown> {
  return mapped(source, async payload => await keep(payload) ? payload : undefined)
}

/**
 * Each payload of `source` replaced by what `map` makes of it for this subscriber (read fresh at
 * push time); `undefined`, or a failing `map`, drops the payload. Ends as `filtered` does.
 */
export function mapped (source: AsyncIterable<unknown>, map: (payload: any) => Promise<unknown>): AsyncIterableIterator<unknown> {
  const iterator = source[Symbol.asyncIterator]()
  return {
    async next () {
      while (true) {
        const result = await iterator.next()
        if (result.done === true) return result
        const value = await map(result.value).catch(() => undefined)
        if (value !== undefined) return { done: false, value }
      }
    },
    async return () {
      await iterator.return?.()
      return { done: true, value: undefined }
    },
    [Symbol.asyncIterator] () { return this }
  }
}
