// The lateness timer's job (H1, H2): the client is still waiting past the target. It runs in the
// timer's firing transaction and checks everything again, so a timer that outlived its wait (an
// answer, a close, new settings) does nothing or moves itself.
import type { PluginContext, Tx } from '@openline/sdk'
import { lockConversation, quietStatuses, readChannel, readState, targetOf, waitKind } from './state.ts'
import { lateJobName, pushConversation, syncTimer, timerKey } from './tracking.ts'
import { targetMs } from './runtime.ts'
import { sendAlerts } from './alerts.ts'

/** A due time this close to now counts as reached (the clocks of Node and PostgreSQL differ by a hair). */
const slackMs = 50

export async function lateJob (data: Record<string, unknown>, ctx: PluginContext<any>, tx: Tx): Promise<void> {
  const id = String(data.conversationId)
  await lockConversation(tx, id)
  const state = await readState(tx, id)
  if (state === null) return
  const channel = state.waitStart === null || quietStatuses.includes(state.status) ? null : await readChannel(tx, ctx, state.openChannelId)
  const kind = waitKind(state)
  const target = channel === null ? null : targetOf(channel.settings, kind)
  if (channel === null || target === null || !target.enabled || state.waitStart === null) {
    // The wait ended or the target was switched off meanwhile: settle the timer bookkeeping only.
    await syncTimer(tx, ctx, { ...state, timerDueAt: null })
    return
  }
  const dueAt = new Date(state.waitStart.getTime() + targetMs(ctx, target.targetSec))
  if (dueAt.getTime() > Date.now() + slackMs) {
    // The target grew since the timer was set: wait for the new due time.
    await tx.schedule({ job: lateJobName, key: timerKey(id), dueAt, conversationId: id, data: { conversationId: id } })
    await tx.query('update kpi_conversations set timer_due_at = ? where conversation_id = ?', [dueAt, id])
    return
  }
  const [lateness] = await tx.query<{ id: string }>(
    `insert into kpi_lateness (conversation_id, open_channel_id, agent_id, kind, wait_started_at, due_at)
     values (?, ?, ?, ?, ?, ?) on conflict (conversation_id, wait_started_at) do nothing returning id::text`,
    [id, state.openChannelId, state.assigneeId, kind, state.waitStart, dueAt])
  await tx.query('update kpi_conversations set timer_due_at = null where conversation_id = ?', [id])
  if (lateness === undefined) return
  await tx.query('update kpi_conversations set late_count = late_count + 1, late_since = ? where conversation_id = ?', [dueAt, id])
  await sendAlerts(tx, ctx, { latenessId: lateness.id, conversationId: id, kind, assigneeId: state.assigneeId, targetSec: target.targetSec, channel })
  pushConversation(tx, ctx, id)
}
