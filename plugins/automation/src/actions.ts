// The behaviour of the automatic actions (E1, E3–E8, B8, C2, D1 notice): event subscribers that
// start, move and stop per-conversation timers and send texts, and the timer jobs. Every
// handler re-reads the conversation in its own transaction, so a late, early or repeated
// event or timer does the right thing or nothing.
//
// Lock order, to stay clear of deadlocks PostgreSQL cannot see: a handler changes timers before
// it sends anything (sending locks the conversation row), and the auto-close job closes through
// `ctx.conversations.close` in its own transaction, taking no other lock before that call.
import { errorCodes, silentCloseReasons, type EventPayload, type Id, type PluginContext, type Tx, type coreEvents } from '@openline/sdk'
import { holdUntil, normalizeAutomaticActions } from './automaticActions.ts'
import { isOpenAt } from './workingHours.ts'
import { minuteMsOf, runtime } from './runtime.ts'
import { closedStatuses, loadScene, sendText, type Scene } from './scene.ts'
import { sendConsentNotice } from './consentNotice.ts'

/** Job names (local to the plugin) of the timers. */
export const jobNames = {
  unanswered: 'actions.unanswered',
  noAnswer: 'actions.noAnswer',
  autoClose: 'actions.autoClose'
} as const

/** Timer keys are global: prefixed with the plugin, one pending timer per key and conversation. */
export const timerKeys = {
  unanswered: (id: Id) => `automation:unanswered:${id}`,
  noAnswer: (id: Id) => `automation:noAnswer:${id}`,
  autoClose: (id: Id) => `automation:autoClose:${id}`
}

export const autoCloseReason = 'autoClose'

/** A due time this close to now counts as reached (clock reads of JS and PostgreSQL differ by a hair). */
const slackMs = 50

type Payload<K extends keyof typeof coreEvents> = EventPayload<typeof coreEvents[K]>

/** Serialises the handlers that read state and then move the auto-close timer of one conversation. */
async function lockConversation (tx: Tx, id: Id): Promise<void> {
  await tx.query('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`automation:conversation:${id}`])
}

function isClosed (scene: Scene): boolean {
  return closedStatuses.includes(scene.conversation.status)
}

/** Agents' lists show the mark: push the conversation to `conversationUpdated` after commit. */
function pushConversation (tx: Tx, ctx: PluginContext<any>, id: Id): void {
  tx.afterCommit(async () => {
    const conversation = await ctx.conversations.get(id)
    if (conversation !== null) await ctx.publish('conversations', { conversationUpdated: conversation })
  })
}

/** C2: the channel is closed now and answers with a text. */
function outOfHoursNow (scene: Scene): boolean {
  const wh = scene.workingHours
  return wh.enabled && wh.outOfHours.reply && !isOpenAt(wh, new Date())
}

async function sendOutOfHours (tx: Tx, ctx: PluginContext<any>, scene: Scene): Promise<void> {
  if (outOfHoursNow(scene)) await sendText(tx, ctx, scene, { action: 'outOfHours', key: 'outOfHours', override: scene.workingHours.outOfHours.text })
}

/**
 * E8: the conversation waits for the client when the agent's last public reply is newer than
 * the client's last message. Then the auto-close timer runs from that reply; otherwise none.
 */
async function syncAutoClose (tx: Tx, ctx: PluginContext<any>, scene: Scene): Promise<void> {
  const c = scene.conversation
  const settings = scene.actions.autoClose
  const key = timerKeys.autoClose(c.id)
  if (!settings.enabled || isClosed(scene) || !waitsForClient(scene)) {
    await tx.cancelTimers(key)
    return
  }
  const dueAt = new Date((c.lastAgentMessageAt as Date).getTime() + settings.afterMin * minuteMsOf(ctx))
  await tx.schedule({ job: jobNames.autoClose, key, dueAt, conversationId: c.id, data: { conversationId: c.id } })
}

function waitsForClient (scene: Scene): boolean {
  const c = scene.conversation
  return c.lastAgentMessageAt !== null && (c.lastClientMessageAt === null || c.lastClientMessageAt.getTime() < c.lastAgentMessageAt.getTime())
}

// ---------------------------------------------------------------------------------------------
// Event subscribers

/** A conversation opened (the client's first message): E3/E4 timers, then greeting, consent notice, out-of-hours reply — in that order. */
export async function onConversationOpened (payload: Payload<'conversationOpened'>, tx: Tx, ctx: PluginContext<any>): Promise<void> {
  const scene = await loadScene(tx, ctx, payload.conversationId)
  if (scene === null || isClosed(scene)) return
  const c = scene.conversation
  const minute = minuteMsOf(ctx)
  if (c.firstResponseAt === null) {
    const n = scene.actions.markUnansweredAfterMin
    if (n > 0) await tx.schedule({ job: jobNames.unanswered, key: timerKeys.unanswered(c.id), dueAt: new Date(c.createdAt.getTime() + n * minute), conversationId: c.id, data: { conversationId: c.id } })
    if (scene.actions.noAnswer.enabled) {
      await tx.schedule({ job: jobNames.noAnswer, key: timerKeys.noAnswer(c.id), dueAt: new Date(c.createdAt.getTime() + scene.actions.noAnswer.afterMin * minute), conversationId: c.id, data: { conversationId: c.id } })
    }
  }
  const greeting = scene.actions.greeting
  if (greeting.enabled && (greeting.when === 'everyConversation' || payload.firstContact)) {
    await sendText(tx, ctx, scene, { action: 'greeting', key: 'greeting', override: greeting.text })
  }
  await sendConsentNotice(tx, ctx, scene)
  await sendOutOfHours(tx, ctx, scene)
}

/** The client wrote (not the opening message, which `onConversationOpened` handles): auto-close stops; out-of-hours reply once. */
export async function onMessageReceived (payload: Payload<'messageReceived'>, tx: Tx, ctx: PluginContext<any>): Promise<void> {
  if (payload.conversationOpened) return
  await lockConversation(tx, payload.conversationId)
  const scene = await loadScene(tx, ctx, payload.conversationId)
  if (scene === null) return
  await syncAutoClose(tx, ctx, scene)
  if (!isClosed(scene)) await sendOutOfHours(tx, ctx, scene)
}

/** An agent replied publicly: the conversation is answered (E3, E4 stop) and now waits for the client (E8 starts). */
export async function onMessageCreated (payload: Payload<'messageCreated'>, tx: Tx, ctx: PluginContext<any>): Promise<void> {
  if (payload.authorKind !== 'agent' || payload.visibility !== 'public') return
  const id = payload.conversationId
  await lockConversation(tx, id)
  await tx.cancelTimers(timerKeys.unanswered(id))
  await tx.cancelTimers(timerKeys.noAnswer(id))
  const unmarked = await tx.query('delete from automation_unanswered where conversation_id = ? returning conversation_id', [id])
  if (unmarked.length > 0) pushConversation(tx, ctx, id)
  const scene = await loadScene(tx, ctx, id)
  if (scene !== null) await syncAutoClose(tx, ctx, scene)
}

/** Closed (or held in `closing`): every timer stops; then the closing text (E6) or, after an auto-close, its message (E8). */
export async function onStatusChanged (payload: Payload<'conversationStatusChanged'>, tx: Tx, ctx: PluginContext<any>): Promise<void> {
  if (!closedStatuses.includes(payload.to) || closedStatuses.includes(payload.from)) return
  const id = payload.conversationId
  await lockConversation(tx, id)
  await tx.cancelTimers(timerKeys.unanswered(id))
  await tx.cancelTimers(timerKeys.noAnswer(id))
  await tx.cancelTimers(timerKeys.autoClose(id))
  const scene = await loadScene(tx, ctx, id)
  if (scene === null) return
  const [row] = await tx.query<{ close_reason: string | null }>('select close_reason from conversations where id = ?', [id])
  if (row?.close_reason != null && silentCloseReasons.includes(row.close_reason)) return
  if (row?.close_reason === autoCloseReason) {
    const message = scene.actions.autoClose.message
    if (message.enabled) await sendText(tx, ctx, scene, { action: 'autoClose', key: 'autoClose', override: message.text })
  } else if (scene.actions.closing.enabled) {
    await sendText(tx, ctx, scene, { action: 'closing', key: 'closing', override: scene.actions.closing.text })
  }
}

const noAgentReasons: readonly string[] = ['noAgentsAvailable', 'allAgentsBusy', 'noMembers']

/**
 * B8, E5: the conversation waits in the queue: one text per conversation whatever the reasons
 * that follow. Not while the out-of-hours reply applies: that text already told the client.
 */
export async function onConversationWaiting (payload: Payload<'conversationWaiting'>, tx: Tx, ctx: PluginContext<any>): Promise<void> {
  if (!noAgentReasons.includes(payload.reason)) return
  const scene = await loadScene(tx, ctx, payload.conversationId)
  if (scene === null || scene.conversation.status !== 'queued') return
  const settings = scene.actions.noAgents
  if (!settings.enabled || outOfHoursNow(scene)) return
  const busy = payload.reason === 'allAgentsBusy'
  await sendText(tx, ctx, scene, { action: 'noAgents', key: busy ? 'waiting' : 'noAgents', override: busy ? settings.busyText ?? settings.text : settings.text })
}

// ---------------------------------------------------------------------------------------------
// Timer jobs (run in the timer's firing transaction)

/** Not yet due under the current settings (they changed): move the timer and report true. */
async function notYet (tx: Tx, job: string, key: string, scene: Scene, dueAt: number): Promise<boolean> {
  if (dueAt <= Date.now() + slackMs) return false
  const id = scene.conversation.id
  await tx.schedule({ job, key, dueAt: new Date(dueAt), conversationId: id, data: { conversationId: id } })
  return true
}

/** E3: still no agent reply: mark the conversation unanswered. */
export async function unansweredJob (data: Record<string, unknown>, ctx: PluginContext<any>, tx: Tx): Promise<void> {
  const scene = await loadScene(tx, ctx, String(data.conversationId))
  if (scene === null || isClosed(scene) || scene.conversation.firstResponseAt !== null) return
  const n = scene.actions.markUnansweredAfterMin
  if (n === 0) return
  const c = scene.conversation
  if (await notYet(tx, jobNames.unanswered, timerKeys.unanswered(c.id), scene, c.createdAt.getTime() + n * minuteMsOf(ctx))) return
  const marked = await tx.query('insert into automation_unanswered (conversation_id) values (?) on conflict do nothing returning conversation_id', [c.id])
  if (marked.length > 0) pushConversation(tx, ctx, c.id)
}

/** E4: still no agent reply: tell the client once. Not while a chatbot talks to them. */
export async function noAnswerJob (data: Record<string, unknown>, ctx: PluginContext<any>, tx: Tx): Promise<void> {
  const scene = await loadScene(tx, ctx, String(data.conversationId))
  if (scene === null || isClosed(scene) || scene.conversation.status === 'bot' || scene.conversation.firstResponseAt !== null) return
  const settings = scene.actions.noAnswer
  if (!settings.enabled) return
  const c = scene.conversation
  if (await notYet(tx, jobNames.noAnswer, timerKeys.noAnswer(c.id), scene, c.createdAt.getTime() + settings.afterMin * minuteMsOf(ctx))) return
  await sendText(tx, ctx, scene, { action: 'noAnswer', key: 'noAnswer', override: settings.text })
}

/**
 * E8: the client stayed silent after the agent's last reply: close. A pinned conversation waits
 * for the pin to expire (the timer moves to its end and checks again).
 */
export async function autoCloseJob (data: Record<string, unknown>, ctx: PluginContext<any>, tx: Tx): Promise<void> {
  const id = String(data.conversationId)
  const scene = await loadScene(tx, ctx, id)
  if (scene === null || isClosed(scene) || !scene.actions.autoClose.enabled || !waitsForClient(scene)) return
  const c = scene.conversation
  const due = (c.lastAgentMessageAt as Date).getTime() + scene.actions.autoClose.afterMin * minuteMsOf(ctx)
  const pinnedUntil = c.pinnedUntil?.getTime() ?? 0
  if (await notYet(tx, jobNames.autoClose, timerKeys.autoClose(id), scene, Math.max(due, pinnedUntil))) return
  try {
    // In the job's transaction: the close and the timer's firing commit together; the status event then sends the message.
    await ctx.conversations.close(id, { reason: autoCloseReason }, tx)
  } catch (err) {
    // Closed meanwhile by someone else: nothing left to do.
    const code = (err as { code?: unknown }).code
    if (code === errorCodes.conflict || code === errorCodes.notFound) return
    throw err
  }
}

// ---------------------------------------------------------------------------------------------
// Hook

/** E7: hold a conversation closed by an agent (not an auto-close) in `closing` for the configured time. */
export async function beforeClose (payload: { tx: Tx, conversation: { openChannelId: Id }, reason: string, holdUntil: Date | null }): Promise<void> {
  if (payload.reason === autoCloseReason || silentCloseReasons.includes(payload.reason)) return
  const ctx = runtime()
  if (ctx === null) return
  const channel = await ctx.openChannel(payload.conversation.openChannelId, payload.tx)
  if (channel === null) return
  const until = holdUntil(normalizeAutomaticActions(channel.groups.automaticActions), Date.now(), minuteMsOf(ctx))
  // Another plugin may hold it too: the later time wins.
  if (until !== null && (payload.holdUntil === null || until.getTime() > payload.holdUntil.getTime())) payload.holdUntil = until
}
