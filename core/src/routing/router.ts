import { OpenlineError, errorCodes, coreEvents, type AuthUser, type ConversationRecord, type Logger, type QueueStrategy, type Tx, type WaitingReason } from '@openline/sdk'
import type { HookRunner } from '../core.ts'
import { conversationColumns, toConversationRecord } from '../records.ts'
import { topics } from '../topics.ts'
import { readRoutingSettings, type RoutingSettings } from './queueSettings.ts'
import { candidatesOf, canTakeMore, countedCondition, queueResolvesToAnyone, type PassState } from './candidates.ts'
import { createMemberCache } from './memberCache.ts'
import type { Presence } from './presence.ts'

export const routeJob = 'core.route'
export const offerTimeoutJob = 'core:offerTimeout'
export const finalizeCloseJob = 'core:finalizeClose'
const waitingBatch = 500
const routeWindowMs = 100
/** How often this instance deletes change-log rows no routing cache needs any more. */
const pruneEveryMs = 60_000
const qualified = conversationColumns.split(', ').map(c => 'c.' + c).join(', ')

export interface Router {
  /** Offer or assign the oldest waiting conversations of an open channel, as capacity allows. */
  route: (openChannelId: string) => Promise<{ assigned: number, offered: number, waiting: number }>
  /** Ask for a routing pass (as a job) — after anything that may free capacity or add work. */
  requestRoute: (openChannelId: string) => void
  /** Route every open channel of which the user is a member (came online, started the day). */
  requestRouteForUser: (userId: string) => Promise<void>
  answer: (user: AuthUser, conversationId: string) => Promise<ConversationRecord>
  skip: (user: AuthUser, conversationId: string) => Promise<void>
  /** In `tx` when given (a plugin's timer job), else in a transaction of its own. */
  close: (user: AuthUser | null, conversationId: string, reason: string, tx?: Tx) => Promise<ConversationRecord>
  /** Timer: the hold after close (E7) is over. */
  finalizeClose: (data: Record<string, unknown>, tx: Tx) => Promise<void>
  /** Timer: the agent neither answered nor skipped in time (B3). */
  expireOffer: (data: Record<string, unknown>, tx: Tx) => Promise<void>
}

export interface RouterDeps {
  transaction: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>
  hooks: HookRunner
  strategy: (id: string) => QueueStrategy | undefined
  presence: Presence
  enqueue: (job: string, data: Record<string, unknown>, options?: { jobId?: string, delayMs?: number }) => Promise<void>
  publish: (topic: string, payload: Record<string, unknown>) => Promise<void>
  log: Logger
}

function fail (code: string, message: string, statusCode = 409): never {
  throw new OpenlineError(code, message, { statusCode })
}

export function createRouter (deps: RouterDeps): Router {
  const publishLater = (tx: Tx, topic: string, payload: Record<string, unknown>): void => {
    tx.afterCommit(() => { deps.publish(topic, payload).catch(err => deps.log.warn({ err: err.message }, 'subscription push failed')) })
  }
  const conversationChanged = (tx: Tx, conversation: ConversationRecord): void => publishLater(tx, topics.conversations, { conversationUpdated: conversation })
  const offerChanged = (tx: Tx, conversationId: string, userId: string, state: string): void => publishLater(tx, topics.offers, { offerChanged: { conversationId, userId, state } })

  // Triggers within one 100 ms window share one routing job, which starts after the window ends —
  // so after every trigger in it committed. A burst of arrivals costs a few passes, not one each.
  function requestRoute (openChannelId: string): void {
    const now = Date.now()
    const window = Math.floor(now / routeWindowMs)
    deps.enqueue(routeJob, { openChannelId }, { jobId: `route:${openChannelId}:${window}`, delayMs: (window + 1) * routeWindowMs - now + 10 })
      .catch(err => deps.log.warn({ err: err.message }, 'routing deferred to the sweeper'))
  }

  async function markWaiting (tx: Tx, conversations: ConversationRecord[], reason: WaitingReason): Promise<void> {
    if (conversations.length === 0) return
    const ids = conversations.map(c => c.id)
    const changed = await tx.query<{ id: string, open_channel_id: string }>(
      `update conversations set waiting_reason = ? where id in (${ids.map(() => '?').join(', ')}) and waiting_reason is distinct from ? returning id::text, open_channel_id::text`, [reason, ...ids, reason])
    for (const c of changed) tx.emit(coreEvents.conversationWaiting, { conversationId: c.id, openChannelId: c.open_channel_id, reason })
  }

  /** Every waiting conversation of the channel waits for the same reason: one statement, new reasons only. */
  async function markAllWaiting (tx: Tx, openChannelId: string, reason: WaitingReason): Promise<number> {
    const changed = await tx.query<{ id: string }>(
      "update conversations set waiting_reason = ? where open_channel_id = ? and status = 'queued' and waiting_reason is distinct from ? returning id::text", [reason, openChannelId, reason])
    for (const c of changed) tx.emit(coreEvents.conversationWaiting, { conversationId: c.id, openChannelId, reason })
    return changed.length
  }

  /**
   * The atomic claim. The agent's row lock serialises every claim for that agent across open
   * channels and instances, so the limit is checked against committed state and never overrun.
   */
  async function claim (tx: Tx, conversation: ConversationRecord, userId: string, settings: RoutingSettings, options: { accepted: boolean, idleTimeoutSec?: number }): Promise<ConversationRecord | 'limit' | 'taken'> {
    await tx.query('select id from users where id = ? for update', [userId])
    if (settings.limit.enabled) {
      const [{ n }] = await tx.query<{ n: number }>(`select count(*)::int as n from conversations c where c.assignee_id = ? and c.open_channel_id = ? and ${countedCondition(settings)}`, [userId, conversation.openChannelId])
      if (n >= settings.limit.maxConversations) return 'limit'
    }
    // clock_timestamp(), not now(): a pass's transaction may start (and wait for the channel lock)
    // before a conversation it assigns even arrived; assigned_at must never precede queued_at.
    const [row] = await tx.query<Record<string, any>>(
      `update conversations c set assignee_id = ?, status = 'assigned', assigned_at = clock_timestamp(), accepted_at = ${options.accepted ? 'now()' : 'null'}, waiting_reason = null, updated_at = now()
        where c.id = ? and c.status = 'queued' and c.assignee_id is null returning ${qualified}`, [userId, conversation.id])
    if (row === undefined) return 'taken'
    const expires = !options.accepted && (options.idleTimeoutSec ?? 0) > 0 ? new Date(Date.now() + (options.idleTimeoutSec as number) * 1000) : null
    await tx.query(
      `insert into conversation_offers (conversation_id, user_id, state, exclusive, expires_at) values (?, ?, ?, true, ?)
       on conflict (conversation_id, user_id) do update set state = excluded.state, exclusive = true, offered_at = now(), expires_at = excluded.expires_at, closed_at = null`,
      [conversation.id, userId, options.accepted ? 'accepted' : 'open', expires])
    const withdrawn = await tx.query<{ user_id: string }>("update conversation_offers set state = 'withdrawn', closed_at = now() where conversation_id = ? and user_id <> ? and state = 'open' returning user_id::text", [conversation.id, userId])
    for (const w of withdrawn) offerChanged(tx, conversation.id, w.user_id, 'withdrawn')
    await tx.query(`insert into conversation_participants (conversation_id, user_id, role) values (?, ?, 'assignee')
                    on conflict (conversation_id, user_id) do update set role = 'assignee', left_at = null`, [conversation.id, userId])
    await tx.query('update users set last_assigned_at = clock_timestamp() where id = ?', [userId])
    if (expires !== null) await tx.schedule({ job: offerTimeoutJob, key: `offer:${conversation.id}`, dueAt: expires, conversationId: conversation.id, data: { conversationId: conversation.id, userId } })
    const assigned = toConversationRecord(row)
    tx.emit(coreEvents.conversationAssigned, { conversationId: assigned.id, openChannelId: assigned.openChannelId, assigneeId: userId, previousAssigneeId: null })
    offerChanged(tx, assigned.id, userId, options.accepted ? 'accepted' : 'open')
    conversationChanged(tx, assigned)
    return assigned
  }

  async function offerToAll (tx: Tx, conversation: ConversationRecord, userIds: string[]): Promise<number> {
    if (userIds.length === 0) return 0
    const params: unknown[] = []
    const values = userIds.map(u => { params.push(conversation.id, u); return "(?, ?, 'open', false)" })
    const rows = await tx.query<{ user_id: string }>(
      `insert into conversation_offers (conversation_id, user_id, state, exclusive) values ${values.join(', ')}
       on conflict (conversation_id, user_id) do nothing returning user_id::text`, params)
    for (const r of rows) offerChanged(tx, conversation.id, r.user_id, 'open')
    if (rows.length > 0) tx.emit(coreEvents.conversationOffered, { conversationId: conversation.id, openChannelId: conversation.openChannelId, userIds: rows.map(r => r.user_id), exclusive: false })
    return rows.length
  }

  // Each channel's resolved queue, kept between passes and brought up to date from the change log.
  const members = createMemberCache()
  let lastPrune = Date.now()

  async function route (openChannelId: string): Promise<{ assigned: number, offered: number, waiting: number }> {
    const result = await deps.transaction(async (tx) => {
      // One routing pass per open channel at a time, on any instance: oldest first stays true.
      await tx.query("select pg_advisory_xact_lock(hashtextextended('openline:route:' || ?, 0))", [openChannelId])
      const [channel] = await tx.query<{ active: boolean, queue_strategy: string | null, queue_settings: Record<string, unknown>, routing: unknown }>(
        "select active, queue_strategy, queue_settings, settings->'queue' as routing from open_channels where id = ?", [openChannelId])
      const result = { assigned: 0, offered: 0, waiting: 0 }
      if (channel === undefined) return result
      // A3: a deactivated channel keeps its messages but distributes nothing.
      if (!channel.active) return { ...result, waiting: await markAllWaiting(tx, openChannelId, 'channelInactive') }
      const strategy = channel.queue_strategy === null ? undefined : deps.strategy(channel.queue_strategy)
      if (strategy === undefined) return { ...result, waiting: await markAllWaiting(tx, openChannelId, 'noStrategy') }
      const settings = readRoutingSettings(channel.routing)
      const queue = await members.read(tx, openChannelId, settings)
      if (queue.members.length === 0) {
        // Members exist but none is at work (absent, dismissed, day not started) vs an empty queue.
        const [{ listed }] = await tx.query<{ listed: boolean }>(queueResolvesToAnyone, [openChannelId])
        return { ...result, waiting: await markAllWaiting(tx, openChannelId, listed ? 'noAgentsAvailable' : 'noMembers') }
      }
      const waiting = (await tx.query<Record<string, any>>(
        `select ${qualified} from conversations c where c.open_channel_id = ? and c.status = 'queued' order by c.queued_at, c.id limit ${waitingBatch}`, [openChannelId])).map(toConversationRecord)
      result.waiting = waiting.length
      if (waiting.length === 0) return result
      // Loads and assignment times as this pass changes them; the cached queue itself is never written here.
      const loads = new Map(queue.loads)
      const assignedNow = new Map<string, number>()
      const pass: PassState = {
        limit: settings.limit.enabled ? settings.limit.maxConversations : null,
        loadOf: (userId) => loads.get(userId) ?? 0,
        assignedNow,
        isOnline: settings.checkAvailability ? await deps.presence.snapshot() : null
      }
      const offersOf = new Map<string, { user_id: string, state: string, exclusive: boolean }[]>()
      for (const o of await tx.query<{ conversation_id: string, user_id: string, state: string, exclusive: boolean }>(
        `select conversation_id::text, user_id::text, state, exclusive from conversation_offers where conversation_id in (${waiting.map(() => '?').join(', ')}) order by offered_at, user_id`, waiting.map(c => c.id))) {
        offersOf.set(o.conversation_id, [...(offersOf.get(o.conversation_id) ?? []), o])
      }
      for (let i = 0; i < waiting.length; i++) {
        const conversation = waiting[i]
        const candidates = candidatesOf(queue.members, pass)
        if (candidates.length === 0) {
          // Nobody can take anything now: this one and every younger one wait (FIFO).
          const isOnline = pass.isOnline
          const anyoneThere = isOnline === null || queue.members.some(m => isOnline(m.userId))
          await markWaiting(tx, waiting.slice(i), anyoneThere ? 'allAgentsBusy' : 'noAgentsAvailable')
          break
        }
        const previous = offersOf.get(conversation.id) ?? []
        const hook = { tx, conversation, candidates: [] as string[], preferredAgentId: null as string | null }
        if (deps.hooks.has('conversation.beforeAssign')) {
          hook.candidates = candidates.map(c => c.userId)
          await deps.hooks.run('conversation.beforeAssign', hook)
        }
        const offer = await strategy.offer({ conversation, candidates, settings: channel.queue_settings ?? {}, previousOffers: previous.map(p => p.user_id) })
        // A candidate of this decision: a member who could take more when the candidates were listed.
        const allowed = (userId: unknown): userId is string => typeof userId === 'string' && queue.byId.has(userId) && canTakeMore(userId, pass)
        const preferred = allowed(hook.preferredAgentId) ? hook.preferredAgentId : null
        // An exclusive offer goes to its first allowed agent: the rest of a long list is never looked at.
        const first = preferred ?? (offer.exclusive ? offer.agents.find(allowed) : undefined)
        const agents = first !== undefined ? [first] : offer.exclusive ? [] : offer.agents.filter(allowed)
        if (agents.length === 0) { await markWaiting(tx, [conversation], 'noAgentsAvailable'); continue }
        if (offer.exclusive || preferred !== null) {
          const outcome = await claim(tx, conversation, agents[0], settings, { accepted: false, idleTimeoutSec: offer.idleTimeoutSec })
          if (outcome === 'limit') { loads.set(agents[0], settings.limit.maxConversations); i--; continue }
          if (outcome === 'taken') continue
          loads.set(agents[0], (loads.get(agents[0]) ?? 0) + 1)
          assignedNow.set(agents[0], Date.now())
          result.assigned++
        } else {
          // Not again to whoever already skipped it or let it expire.
          const declined = new Set(previous.filter(p => p.state !== 'open' && p.state !== 'withdrawn').map(p => p.user_id))
          result.offered += await offerToAll(tx, conversation, agents.filter(a => !declined.has(a)))
        }
      }
      return result
    })
    if (Date.now() - lastPrune > pruneEveryMs) {
      lastPrune = Date.now()
      deps.transaction(tx => members.prune(tx)).catch(err => deps.log.warn({ err: err.message }, 'routing change log prune failed'))
    }
    return result
  }

  async function lockConversation (tx: Tx, id: string): Promise<ConversationRecord> {
    const [row] = await tx.query<Record<string, any>>(`select ${qualified} from conversations c where c.id = ? for update`, [id])
    if (row === undefined) fail(errorCodes.notFound, 'Conversation not found', 404)
    return toConversationRecord(row)
  }

  async function unassign (tx: Tx, conversation: ConversationRecord, userId: string, state: 'skipped' | 'expired'): Promise<void> {
    const [row] = await tx.query<Record<string, any>>(
      `update conversations c set assignee_id = null, status = 'queued', assigned_at = null, accepted_at = null, updated_at = now() where c.id = ? returning ${qualified}`, [conversation.id])
    await tx.query('update conversation_offers set state = ?, closed_at = now() where conversation_id = ? and user_id = ?', [state, conversation.id, userId])
    await tx.query("update conversation_participants set left_at = now(), role = 'observer' where conversation_id = ? and user_id = ?", [conversation.id, userId])
    await tx.cancelTimers(`offer:${conversation.id}`)
    tx.emit(coreEvents.conversationAssigned, { conversationId: conversation.id, openChannelId: conversation.openChannelId, assigneeId: null, previousAssigneeId: userId })
    offerChanged(tx, conversation.id, userId, state)
    conversationChanged(tx, toConversationRecord(row))
    tx.afterCommit(() => requestRoute(conversation.openChannelId))
  }

  return {
    route,
    requestRoute,
    async requestRouteForUser (userId) {
      const rows = await deps.transaction(tx => tx.query<{ id: string }>(
        `select distinct qm.open_channel_id::text as id from queue_members qm
          left join department_members dm on dm.department_id = qm.department_id
         where qm.user_id = ? or dm.user_id = ?`, [userId, userId]))
      for (const r of rows) requestRoute(r.id)
    },
    async answer (user, conversationId) {
      return deps.transaction(async (tx) => {
        const conversation = await lockConversation(tx, conversationId)
        if (conversation.status === 'assigned' && conversation.assigneeId === user.id) {
          const [row] = await tx.query<Record<string, any>>(`update conversations c set accepted_at = coalesce(accepted_at, now()), updated_at = now() where c.id = ? returning ${qualified}`, [conversationId])
          await tx.query("update conversation_offers set state = 'accepted', closed_at = now() where conversation_id = ? and user_id = ?", [conversationId, user.id])
          await tx.cancelTimers(`offer:${conversationId}`)
          const accepted = toConversationRecord(row)
          offerChanged(tx, conversationId, user.id, 'accepted')
          conversationChanged(tx, accepted)
          return accepted
        }
        if (conversation.status !== 'queued') fail(errorCodes.conflict, 'Someone else has taken this conversation')
        const [offer] = await tx.query<{ state: string }>("select state from conversation_offers where conversation_id = ? and user_id = ? and state = 'open'", [conversationId, user.id])
        if (offer === undefined) fail(errorCodes.forbidden, 'This conversation was not offered to you', 403)
        const [channel] = await tx.query<{ routing: unknown }>("select settings->'queue' as routing from open_channels where id = ?", [conversation.openChannelId])
        const outcome = await claim(tx, conversation, user.id, readRoutingSettings(channel?.routing), { accepted: true })
        if (outcome === 'limit') fail(errorCodes.limitReached, 'You are at your conversation limit')
        if (outcome === 'taken') fail(errorCodes.conflict, 'Someone else has taken this conversation')
        return outcome
      })
    },
    async skip (user, conversationId) {
      await deps.transaction(async (tx) => {
        const conversation = await lockConversation(tx, conversationId)
        if (conversation.status === 'assigned' && conversation.assigneeId === user.id) {
          const [{ accepted }] = await tx.query<{ accepted: boolean }>('select accepted_at is not null as accepted from conversations where id = ?', [conversationId])
          if (accepted) fail(errorCodes.conflict, 'You answered this conversation: transfer or close it instead')
          await unassign(tx, conversation, user.id, 'skipped')
          return
        }
        const rows = await tx.query("update conversation_offers set state = 'skipped', closed_at = now() where conversation_id = ? and user_id = ? and state = 'open' returning user_id", [conversationId, user.id])
        if (rows.length === 0) fail(errorCodes.conflict, 'This conversation is not offered to you')
        offerChanged(tx, conversationId, user.id, 'skipped')
      })
    },
    async close (user, conversationId, reason, outer) {
      const run = (fn: (tx: Tx) => Promise<ConversationRecord>): Promise<ConversationRecord> => outer !== undefined ? fn(outer) : deps.transaction(fn)
      return run(async (tx) => {
        const conversation = await lockConversation(tx, conversationId)
        // A plugin closing a conversation held after close (E7) ends the hold now: the client rated it (F2).
        if (conversation.status === 'closing' && user === null) {
          await tx.cancelTimers(`close:${conversationId}`)
          const [row] = await tx.query<Record<string, any>>(`update conversations c set status = 'closed', updated_at = now() where c.id = ? returning ${qualified}`, [conversationId])
          const closed = toConversationRecord(row)
          tx.emit(coreEvents.conversationStatusChanged, { conversationId, openChannelId: closed.openChannelId, from: 'closing', to: 'closed' })
          conversationChanged(tx, closed)
          tx.afterCommit(() => requestRoute(closed.openChannelId))
          return closed
        }
        if (conversation.status === 'closed' || conversation.status === 'closing') fail(errorCodes.conflict, 'The conversation is already closed')
        if (user !== null && conversation.assigneeId !== user.id && user.permissions.viewHistory !== 'all') {
          fail(errorCodes.forbidden, 'Only the assigned agent or a supervisor may close this conversation', 403)
        }
        const hook = { tx, conversation, byUserId: user?.id ?? null, reason, holdUntil: null as Date | null }
        await deps.hooks.run('conversation.beforeClose', hook)
        const hold = hook.holdUntil instanceof Date && hook.holdUntil.getTime() > Date.now() ? hook.holdUntil : null
        const [row] = await tx.query<Record<string, any>>(
          `update conversations c set status = ?, closed_at = now(), close_reason = ?, waiting_reason = null, updated_at = now() where c.id = ? returning ${qualified}`,
          [hold === null ? 'closed' : 'closing', reason, conversationId])
        if (hold !== null) await tx.schedule({ job: finalizeCloseJob, key: `close:${conversationId}`, dueAt: hold, conversationId, data: { conversationId } })
        const withdrawn = await tx.query<{ user_id: string }>("update conversation_offers set state = 'withdrawn', closed_at = now() where conversation_id = ? and state = 'open' returning user_id::text", [conversationId])
        for (const w of withdrawn) offerChanged(tx, conversationId, w.user_id, 'withdrawn')
        await tx.cancelTimers(`offer:${conversationId}`)
        const closed = toConversationRecord(row)
        tx.emit(coreEvents.conversationStatusChanged, { conversationId, openChannelId: closed.openChannelId, from: conversation.status, to: closed.status })
        conversationChanged(tx, closed)
        // Capacity freed: the oldest waiting conversation goes next.
        tx.afterCommit(() => requestRoute(closed.openChannelId))
        return closed
      })
    },
    async finalizeClose (data, tx) {
      const [row] = await tx.query<Record<string, any>>(
        `update conversations c set status = 'closed', updated_at = now() where c.id = ? and c.status = 'closing' returning ${qualified}`, [String(data.conversationId)])
      if (row === undefined) return
      const closed = toConversationRecord(row)
      tx.emit(coreEvents.conversationStatusChanged, { conversationId: closed.id, openChannelId: closed.openChannelId, from: 'closing', to: 'closed' })
      conversationChanged(tx, closed)
      tx.afterCommit(() => requestRoute(closed.openChannelId))
    },
    async expireOffer (data, tx) {
      const conversationId = String(data.conversationId)
      const userId = String(data.userId)
      const [row] = await tx.query<Record<string, any>>(`select ${qualified}, c.accepted_at from conversations c where c.id = ? for update`, [conversationId])
      if (row === undefined || row.status !== 'assigned' || String(row.assignee_id) !== userId || row.accepted_at !== null) return
      await unassign(tx, toConversationRecord(row), userId, 'expired')
    }
  }
}
