// The event subscribers (H1, H3): every client message may start a wait and its lateness timer;
// every public agent answer ends the wait, is recorded with its duration and stops the timer; a
// close stops everything and settles "resolved". Each handler re-reads the conversation under the
// plugin's lock, so an event handled twice, late or out of order changes nothing it should not.
import { coreEvents, type EventPayload, type Id, type PluginContext, type Tx } from '@openline/sdk'
import { lockConversation, quietStatuses, readChannel, readState, targetOf, waitKind, type ConversationState } from './state.ts'
import { targetMs } from './runtime.ts'

/** Job name of the lateness timer (local to the plugin). */
export const lateJobName = 'late'

/** One pending lateness timer per conversation. */
export const timerKey = (conversationId: Id): string => `kpi:late:${conversationId}`

type Payload<K extends keyof typeof coreEvents> = EventPayload<typeof coreEvents[K]>

/** When the current wait becomes late under the channel's settings, or null when no timer should run. */
async function dueTime (tx: Tx, ctx: PluginContext<any>, state: ConversationState): Promise<Date | null> {
  if (quietStatuses.includes(state.status) || state.waitStart === null) return null
  const channel = await readChannel(tx, ctx, state.openChannelId)
  if (channel === null) return null
  const target = targetOf(channel.settings, waitKind(state))
  if (!target.enabled) return null
  // Late once per wait: a wait already recorded late needs no second timer.
  const recorded = await tx.query('select 1 from kpi_lateness where conversation_id = ? and wait_started_at = ?', [state.id, state.waitStart])
  if (recorded.length > 0) return null
  return new Date(state.waitStart.getTime() + targetMs(ctx, target.targetSec))
}

/** Make the pending timer match the current wait: schedule, move or cancel it (only when it changes). */
export async function syncTimer (tx: Tx, ctx: PluginContext<any>, state: ConversationState): Promise<void> {
  const due = await dueTime(tx, ctx, state)
  if (due?.getTime() !== state.timerDueAt?.getTime()) {
    if (due === null) await tx.cancelTimers(timerKey(state.id))
    else await tx.schedule({ job: lateJobName, key: timerKey(state.id), dueAt: due, conversationId: state.id, data: { conversationId: state.id } })
  }
  await tx.query('update kpi_conversations set waiting_since = ?, timer_due_at = ? where conversation_id = ?',
    [quietStatuses.includes(state.status) ? null : state.waitStart, due, state.id])
}

/** Record `messageId` as an answer when it ended a wait (idempotent: one row per answer message). */
async function recordAnswer (tx: Tx, messageId: Id): Promise<void> {
  const [response] = await tx.query<{ conversation_id: string, kind: string, seconds: number, client_message_at: Date, answered_at: Date }>(
    `with answer as (
       select id, conversation_id, author_user_id, created_at from messages where id = ? and author_kind = 'agent' and visibility = 'public'
     ), previous as (
       select max(p.created_at) as at from messages p join answer a on p.conversation_id = a.conversation_id
        where p.author_kind = 'agent' and p.visibility = 'public' and (p.created_at, p.id) < (a.created_at, a.id)
     ), wait as (
       select date_trunc('milliseconds', min(m.created_at)) as started from messages m join answer a on m.conversation_id = a.conversation_id cross join previous
        where m.author_kind = 'client' and m.created_at > coalesce(previous.at, '-infinity') and m.created_at <= a.created_at
     )
     insert into kpi_responses (message_id, conversation_id, open_channel_id, agent_id, kind, client_message_at, answered_at, seconds)
     select a.id, a.conversation_id, c.open_channel_id, a.author_user_id, case when previous.at is null then 'first' else 'later' end,
            wait.started, date_trunc('milliseconds', a.created_at), round(extract(epoch from date_trunc('milliseconds', a.created_at) - wait.started))::int
       from answer a join conversations c on c.id = a.conversation_id cross join previous cross join wait
      where wait.started is not null
     on conflict (message_id) do nothing
     returning conversation_id::text, kind, seconds, client_message_at, answered_at`, [messageId])
  if (response === undefined) return
  await tx.query(
    `update kpi_conversations k
        set first_response_sec = case when ? = 'first' then ? else k.first_response_sec end,
            response_count = k.response_count + 1,
            response_sec_sum = k.response_sec_sum + ?,
            late_since = null,
            agent_id = coalesce((select c.assignee_id from conversations c where c.id = k.conversation_id), k.agent_id,
                                (select m.author_user_id from messages m where m.id = ?))
      where k.conversation_id = ?`,
    [response.kind, response.seconds, response.seconds, messageId, response.conversation_id])
  await tx.query('update kpi_lateness set answered_at = ? where conversation_id = ? and wait_started_at = ? and answered_at is null',
    [response.answered_at, response.conversation_id, response.client_message_at])
}

/** Staff lists show the figures: push the conversation to `conversationUpdated` after commit. */
export function pushConversation (tx: Tx, ctx: PluginContext<any>, id: Id): void {
  tx.afterCommit(async () => {
    const conversation = await ctx.conversations.get(id)
    if (conversation !== null) await ctx.publish('conversations', { conversationUpdated: conversation })
  })
}

/** A client message: a wait may start (first message, or the first after an answer). */
export async function onMessageReceived (payload: Payload<'messageReceived'>, tx: Tx, ctx: PluginContext<any>): Promise<void> {
  await lockConversation(tx, payload.conversationId)
  const state = await readState(tx, payload.conversationId)
  if (state !== null) await syncTimer(tx, ctx, state)
}

/** A public agent answer ends the wait; the next client message starts the next one. */
export async function onMessageCreated (payload: Payload<'messageCreated'>, tx: Tx, ctx: PluginContext<any>): Promise<void> {
  if (payload.authorKind !== 'agent' || payload.visibility !== 'public') return
  await lockConversation(tx, payload.conversationId)
  if (await readState(tx, payload.conversationId) === null) return
  await recordAnswer(tx, payload.messageId)
  const state = await readState(tx, payload.conversationId)
  if (state === null) return
  await syncTimer(tx, ctx, state)
  pushConversation(tx, ctx, state.id)
}

/** Conversations opened without a client message through ingest (a split) get their row too. */
export async function onConversationOpened (payload: Payload<'conversationOpened'>, tx: Tx, ctx: PluginContext<any>): Promise<void> {
  await lockConversation(tx, payload.conversationId)
  const state = await readState(tx, payload.conversationId)
  if (state !== null) await syncTimer(tx, ctx, state)
}

/** The responsible agent is the assignee as it is now (events may arrive out of order). */
export async function onConversationAssigned (payload: Payload<'conversationAssigned'>, tx: Tx): Promise<void> {
  await lockConversation(tx, payload.conversationId)
  if (await readState(tx, payload.conversationId) === null) return
  await tx.query(
    'update kpi_conversations k set agent_id = coalesce(c.assignee_id, k.agent_id) from conversations c where c.id = k.conversation_id and k.conversation_id = ?',
    [payload.conversationId])
}

/**
 * Closed or held for the rating: no timer runs and the conversation is not late any more; a
 * conversation closed after at least one answer counts as resolved. A chatbot taking or handing
 * over the conversation stops or restarts the timer.
 */
export async function onStatusChanged (payload: Payload<'conversationStatusChanged'>, tx: Tx, ctx: PluginContext<any>): Promise<void> {
  await lockConversation(tx, payload.conversationId)
  const state = await readState(tx, payload.conversationId)
  if (state === null) return
  await syncTimer(tx, ctx, state)
  if (state.status === 'closing' || state.status === 'closed') {
    await tx.query(
      `update kpi_conversations k set late_since = null,
              closed_at = case when c.status = 'closed' then coalesce(c.closed_at, now()) else k.closed_at end,
              resolved = c.status = 'closed' and k.first_response_sec is not null
         from conversations c where c.id = k.conversation_id and k.conversation_id = ?`, [state.id])
  }
}
