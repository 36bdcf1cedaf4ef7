// What the plugin knows of one conversation at a moment, read in the caller's transaction: the
// core's row (status, assignee), the wait the client is in (from the messages themselves, so
// events handled late or out of order still see the truth) and the plugin's own row.
import type { Id, PluginContext, Tx } from '@openline/sdk'
import { readKpiSettings, type KpiSettings } from './settings.ts'

export type ResponseKind = 'first' | 'later'

export interface ConversationState {
  id: Id
  openChannelId: Id
  status: string
  assigneeId: Id | null
  /** The agent's last public answer (ms precision), null before the first. */
  lastAnswerAt: Date | null
  /** The client's first message after that answer (ms precision): the wait an answer must end. */
  waitStart: Date | null
  /** The due time of the pending lateness timer as last scheduled. */
  timerDueAt: Date | null
}

/** Statuses in which nobody is expected to answer: closed, held for the rating, or a chatbot talking. */
export const quietStatuses: readonly string[] = ['closing', 'closed', 'bot']

/** Serialises the plugin's handlers of one conversation (timers and figures are read, then moved). */
export async function lockConversation (tx: Tx, id: Id): Promise<void> {
  await tx.query('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`kpi:conversation:${id}`])
}

/**
 * The conversation's state, creating its figures row on first sight; null when it is gone.
 * Only public agent messages answer; bot and system texts do not.
 */
export async function readState (tx: Tx, id: Id): Promise<ConversationState | null> {
  await tx.query(
    `insert into kpi_conversations (conversation_id, open_channel_id, agent_id, created_at)
     select id, open_channel_id, assignee_id, date_trunc('milliseconds', created_at) from conversations where id = ?
     on conflict (conversation_id) do nothing`, [id])
  const [row] = await tx.query<{ id: string, open_channel_id: string, status: string, assignee_id: string | null, last_answer_at: Date | null, wait_start: Date | null, timer_due_at: Date | null }>(
    `with answer as (
       select max(created_at) as at from messages where conversation_id = ? and author_kind = 'agent' and visibility = 'public'
     )
     select c.id::text, c.open_channel_id::text, c.status, c.assignee_id::text,
            date_trunc('milliseconds', answer.at) as last_answer_at,
            (select date_trunc('milliseconds', min(m.created_at)) from messages m
              where m.conversation_id = c.id and m.author_kind = 'client' and m.created_at > coalesce(answer.at, '-infinity')) as wait_start,
            k.timer_due_at
       from conversations c cross join answer join kpi_conversations k on k.conversation_id = c.id
      where c.id = ?`, [id, id])
  if (row === undefined) return null
  return {
    id: row.id,
    openChannelId: row.open_channel_id,
    status: row.status,
    assigneeId: row.assignee_id,
    lastAnswerAt: row.last_answer_at === null ? null : new Date(row.last_answer_at),
    waitStart: row.wait_start === null ? null : new Date(row.wait_start),
    timerDueAt: row.timer_due_at === null ? null : new Date(row.timer_due_at)
  }
}

export interface ChannelView {
  name: string
  language: string
  settings: KpiSettings
}

export async function readChannel (tx: Tx, ctx: PluginContext<any>, openChannelId: Id): Promise<ChannelView | null> {
  const channel = await ctx.openChannel(openChannelId, tx)
  if (channel === null) return null
  return { name: channel.name, language: channel.language, settings: readKpiSettings(channel.groups.kpi) }
}

/** Which target the current wait runs against. */
export function waitKind (state: ConversationState): ResponseKind {
  return state.lastAnswerAt === null ? 'first' : 'later'
}

export function targetOf (settings: KpiSettings, kind: ResponseKind): { enabled: boolean, targetSec: number } {
  return kind === 'first' ? settings.firstResponse : settings.laterResponse
}
