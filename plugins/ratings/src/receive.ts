// The client's answer (F1, F2): a client message carrying a rating button's data, or a typed 1/2
// where the question went out as text. The first valid answer is stored with its time and source,
// the client is thanked, the console is told; later answers, late ones and answers naming another
// client's conversation are ignored (and stored nowhere).
import { errorCodes, type ConversationRecord, type EventPayload, type Id, type MessageRecord, type PluginContext, type Tx, type coreEvents } from '@openline/sdk'
import { buttonAnswer, textAnswer, type ButtonAnswer, type RatingValue } from './answer.ts'
import { loadRatings, pendingTextRequest, recordClientRating, requestOf } from './store.ts'
import { loadScene, textVars } from './scene.ts'
import { renderText } from './texts.ts'
import { ratingCloseReasons } from './ask.ts'
import { ratingEvents, ratedTopic } from './events.ts'

interface Rating { kind: 'rating', conversationId: Id, value: RatingValue, source: 'button' | 'text' }
type Answer = Rating | { kind: 'ignored', reason: string }

/** A button press: valid only for a conversation of the same client that was asked, within its time limit. */
async function pressed (tx: Tx, ctx: PluginContext<any>, message: MessageRecord, sender: ConversationRecord, press: ButtonAnswer): Promise<Answer> {
  if (press.kind === 'malformed') return { kind: 'ignored', reason: 'malformed button data' }
  const target = press.conversationId === sender.id ? sender : await ctx.conversations.get(press.conversationId, tx)
  if (target === null || target.clientId !== sender.clientId) {
    // Forged or misrouted data: never rate someone else's conversation.
    ctx.log.warn({ messageId: message.id, clientId: sender.clientId, named: press.conversationId }, 'rating refused: the button names a conversation of another client')
    return { kind: 'ignored', reason: 'another client\'s conversation' }
  }
  const request = await requestOf(tx, target.id)
  if (request === null) return { kind: 'ignored', reason: 'not asked' }
  if (request.expiresAt !== null && message.createdAt.getTime() > request.expiresAt.getTime()) return { kind: 'ignored', reason: 'too late' }
  return { kind: 'rating', conversationId: target.id, value: press.value, source: 'button' }
}

/** A typed 1/2: for the client's latest question asked as text on this connection, still open. Null: an ordinary message. */
async function typed (tx: Tx, message: MessageRecord, sender: ConversationRecord, value: RatingValue): Promise<Answer | null> {
  if (sender.connectionId === null) return null
  const request = await pendingTextRequest(tx, { clientId: sender.clientId, connectionId: sender.connectionId, at: message.createdAt })
  return request === null ? null : { kind: 'rating', conversationId: request.conversationId, value, source: 'text' }
}

/** Close without failing when someone closed it meanwhile (or it is held in `closing`, which the SDK cannot end early). */
async function closeQuietly (tx: Tx, ctx: PluginContext<any>, id: Id, reason: string): Promise<void> {
  try {
    await ctx.conversations.close(id, { reason }, tx)
  } catch (err) {
    const code = (err as { code?: unknown }).code
    if (code !== errorCodes.conflict && code !== errorCodes.notFound) throw err
  }
}

async function thank (tx: Tx, ctx: PluginContext<any>, ratedId: Id, toConversationId: Id, value: RatingValue): Promise<void> {
  const scene = await loadScene(tx, ctx, ratedId)
  if (scene === null) return
  const body = renderText(ctx, scene.settings, value === 'like' ? 'thanksLike' : 'thanksDislike', scene.language, await textVars(tx, scene))
  if (body.trim() !== '') await ctx.sendMessage({ conversationId: toConversationId, body, authorKind: 'system', meta: { rating: 'thanks' } }, tx)
}

/** The rating is stored: tell subscribers, close when the channel says so, thank the client where they wrote, push to the console. */
async function afterRating (tx: Tx, ctx: PluginContext<any>, rated: ConversationRecord, sender: ConversationRecord, answer: Rating, messageId: Id): Promise<void> {
  tx.emit(ratingEvents.clientRated, { conversationId: rated.id, openChannelId: rated.openChannelId, value: answer.value, source: answer.source, messageId })
  const scene = await loadScene(tx, ctx, rated.id)
  // F2: the rating ends the conversation. One held in `closing` stays there until its hold ends.
  if (scene?.settings.closeOnRating === true && rated.status !== 'closed') await closeQuietly(tx, ctx, rated.id, ratingCloseReasons.rated)
  await thank(tx, ctx, rated.id, sender.id, answer.value)
  tx.afterCommit(async () => {
    const rating = (await loadRatings((sql, params) => ctx.em().getConnection().execute(sql, params, 'all'), [rated.id])).get(rated.id)
    if (rating !== undefined) await ctx.publish(ratedTopic, { conversationRated: rating })
  })
}

export async function onMessageReceived (payload: EventPayload<typeof coreEvents.messageReceived>, tx: Tx, ctx: PluginContext<any>): Promise<void> {
  const message = await ctx.messages.get(payload.messageId, tx)
  if (message === null || message.authorKind !== 'client') return
  const press = buttonAnswer(message.meta)
  const typedValue = press === null ? textAnswer(message.body) : null
  // Most messages are no answer at all: nothing more is read for them.
  if (press === null && typedValue === null) return
  // The sender as it is now (a CRM may have re-linked the identity since the event was recorded).
  const sender = await ctx.conversations.get(payload.conversationId, tx)
  if (sender === null) return
  const answer = press !== null ? await pressed(tx, ctx, message, sender, press) : typedValue !== null ? await typed(tx, message, sender, typedValue) : null
  if (answer === null) return
  let recorded = false
  if (answer.kind === 'ignored') {
    ctx.log.info({ messageId: message.id, reason: answer.reason }, 'rating answer ignored')
  } else {
    recorded = await recordClientRating(tx, { conversationId: answer.conversationId, value: answer.value, source: answer.source, messageId: message.id, at: message.createdAt })
    if (!recorded) ctx.log.info({ messageId: message.id, conversationId: answer.conversationId }, 'rating answer ignored: already rated')
    const rated = !recorded ? null : answer.conversationId === sender.id ? sender : await ctx.conversations.get(answer.conversationId, tx)
    if (rated !== null) await afterRating(tx, ctx, rated, sender, answer, message.id)
  }
  // The answer came after the old conversation closed for good and opened a new one. A press (even
  // an ignored one) or a counted typed answer asks nothing of an agent: the new conversation goes.
  if (payload.conversationOpened && (press !== null || recorded)) {
    await closeQuietly(tx, ctx, sender.id, ratingCloseReasons.ratingReply)
  }
}
