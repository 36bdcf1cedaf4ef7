// Asking for the rating (F1, F2): at the end of a conversation when its channel says so, or when
// an agent asks during it. The question carries 👍/👎 buttons where the channel shows buttons;
// elsewhere it says how to answer in plain text.
import { silentCloseReasons, type EventPayload, type PluginContext, type Tx, type coreEvents } from '@openline/sdk'
import { ratingButtons } from './answer.ts'
import { claimRequest, clientRated, setRequestMessage } from './store.ts'
import { loadScene, showsButtons, textVars, type RatingScene } from './scene.ts'
import { renderText } from './texts.ts'
import { minuteMsOf } from './runtime.ts'

/**
 * Close reasons of this plugin. `rated`: the client's rating closed the conversation (not held,
 * nothing asked). `ratingReply`: a rating answer opened a new conversation nobody needs.
 */
export const ratingCloseReasons = { rated: 'rated', ratingReply: 'ratingReply' } as const
const ownReasons: readonly string[] = Object.values(ratingCloseReasons)

const closedStatuses: readonly string[] = ['closing', 'closed']

/** Send the question in `tx` unless this kind of question is already claimed. Returns whether it was sent. */
export async function sendQuestion (tx: Tx, ctx: PluginContext<any>, scene: RatingScene, kind: 'during' | 'end'): Promise<boolean> {
  const id = scene.conversation.id
  const buttons = await showsButtons(tx, ctx, scene.conversation.connectionId)
  const limit = scene.settings.timeLimit
  const claimed = await claimRequest(tx, { conversationId: id, kind, mode: buttons ? 'buttons' : 'text', limitMs: limit.enabled ? limit.minutes * minuteMsOf(ctx) : null })
  if (!claimed) return false
  const vars = await textVars(tx, scene)
  const question = renderText(ctx, scene.settings, 'question', scene.language, vars)
  const body = buttons ? question : `${question}\n${renderText(ctx, scene.settings, 'answerHint', scene.language, vars)}`
  const meta = buttons ? { rating: 'question', buttons: ratingButtons(id) } : { rating: 'question' }
  const message = await ctx.sendMessage({ conversationId: id, body, authorKind: 'system', meta }, tx)
  await setRequestMessage(tx, id, message.id)
  return true
}

/**
 * F1: the conversation was closed (held in `closing` for the rating, or closed at once): ask, once,
 * if its channel asks at the end, an agent served it, and it is not rated yet. Silent closes
 * (spam, split) and this plugin's own closes ask nothing.
 */
export async function onStatusChanged (payload: EventPayload<typeof coreEvents.conversationStatusChanged>, tx: Tx, ctx: PluginContext<any>): Promise<void> {
  if (!closedStatuses.includes(payload.to) || closedStatuses.includes(payload.from)) return
  const scene = await loadScene(tx, ctx, payload.conversationId)
  if (scene === null || !scene.settings.askAtEnd || scene.conversation.assigneeId === null) return
  const [row] = await tx.query<{ close_reason: string | null }>('select close_reason from conversations where id = ?', [payload.conversationId])
  const reason = row?.close_reason ?? ''
  if (silentCloseReasons.includes(reason) || ownReasons.includes(reason)) return
  if (await clientRated(tx, payload.conversationId)) return
  await sendQuestion(tx, ctx, scene, 'end')
}

/** A close because the client rated is not held in `closing`: the hold (E7) only waits for the rating. Runs after `automation`'s hold. */
export function beforeClose (payload: { reason: string, holdUntil: Date | null }): void {
  if (payload.reason === ratingCloseReasons.rated) payload.holdUntil = null
}
