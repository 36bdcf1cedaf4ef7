import { DeliveryError, type OutboundDelivery, type PluginContext, type SendResult } from '@openline/sdk'
import { callGraph, GraphApiError, toDeliveryError } from './graph.ts'
import { readCommentsSettings } from './commentsSettings.ts'
import { pageTarget } from './settings.ts'
import { isObject } from './values.ts'
import { query } from './db.ts'

/** Facebook refuses longer comments. */
export const maxCommentLength = 8000
/** A private reply is a Messenger message. */
const maxPrivateReplyLength = 2000

/** The client comment a reply answers: the comment itself (private replies) and its thread's top-level comment (public replies). */
export interface CommentTarget { commentId: string, threadId: string }

interface Row { author_kind: string, external_id: string, meta: unknown }

function targetOf (row: Row | undefined): CommentTarget | null {
  if (row === undefined || row.author_kind !== 'client') return null
  const meta = isObject(row.meta) ? row.meta : {}
  return { commentId: row.external_id, threadId: typeof meta.threadId === 'string' ? meta.threadId : row.external_id }
}

/** The quoted client comment when the agent quoted one, else the client's latest comment in the conversation. */
export async function commentTarget (ctx: PluginContext, delivery: Pick<OutboundDelivery, 'connection' | 'conversationId' | 'quoteExternalId'>): Promise<CommentTarget | null> {
  if (delivery.quoteExternalId !== null && delivery.quoteExternalId !== '') {
    const quoted = await query<Row>(ctx, 'select author_kind, external_id, meta from messages where connection_id = ? and external_id = ? limit 1', [delivery.connection.id, delivery.quoteExternalId])
    const target = targetOf(quoted[0])
    if (target !== null) return target
  }
  const latest = await query<Row>(ctx,
    "select author_kind, external_id, meta from messages where conversation_id = ? and author_kind = 'client' and external_id is not null order by sent_at desc, id desc limit 1",
    [delivery.conversationId])
  return targetOf(latest[0])
}

/**
 * One private reply per comment: claim it for this message. A retry of the same message finds its
 * own claim; another message finds the comment taken.
 */
async function claimPrivateReply (ctx: PluginContext, connectionId: string, commentId: string, messageId: string): Promise<boolean> {
  const inserted = await query<{ message_id: string }>(ctx,
    'insert into channel_meta_private_replies (connection_id, comment_id, message_id) values (?, ?, ?) on conflict (connection_id, comment_id) do nothing returning message_id::text',
    [connectionId, commentId, messageId])
  if (inserted.length > 0) return true
  const [holder] = await query<{ message_id: string }>(ctx, 'select message_id::text from channel_meta_private_replies where connection_id = ? and comment_id = ?', [connectionId, commentId])
  return holder?.message_id === messageId
}

async function releasePrivateReply (ctx: PluginContext, connectionId: string, commentId: string, messageId: string): Promise<void> {
  await query(ctx, 'delete from channel_meta_private_replies where connection_id = ? and comment_id = ? and message_id = ?', [connectionId, commentId, messageId])
}

/** The reply text: the agent's name first when shown, as the page's other replies. */
export function commentText (delivery: Pick<OutboundDelivery, 'body' | 'senderName'>): string {
  const name = delivery.senderName?.trim() ?? ''
  return delivery.body.trim() === '' ? '' : (name !== '' ? `${name}: ${delivery.body}` : delivery.body)
}

/** An image to attach to a public reply: a provider link, or a signed link to the stored file Meta fetches at once. */
function attachmentUrl (delivery: OutboundDelivery, ctx: PluginContext): string | undefined {
  if (delivery.attachments.length === 0) return undefined
  const [attachment] = delivery.attachments
  if (delivery.attachments.length > 1 || (attachment.kind !== 'image' && attachment.kind !== 'sticker')) {
    throw new DeliveryError('Facebook comments take one image at most; send other files in Messenger', { retryable: false })
  }
  if (attachment.providerFileId !== undefined && /^https:\/\/\S+$/.test(attachment.providerFileId)) return attachment.providerFileId
  if (attachment.storageKey !== undefined) return ctx.files.signedUrl({ storageKey: attachment.storageKey, name: attachment.name, mimeType: attachment.mimeType }, { ttlSec: 3600 })
  throw new DeliveryError('This image has no link Facebook could fetch', { retryable: false })
}

/** `meta.commentReply` on the outgoing message overrides the connection's `replyMode`. */
function wantsPrivate (delivery: OutboundDelivery, replyMode: 'public' | 'private'): boolean {
  const asked = delivery.meta?.commentReply
  return asked === 'private' || (asked !== 'public' && replyMode === 'private')
}

/**
 * Deliver an agent's reply to a commenter: `POST /{comment-id}/comments` under the client's comment
 * thread, or a private reply (`POST /{page-id}/messages` with `recipient.comment_id`) when asked.
 */
export async function sendComment (delivery: OutboundDelivery, ctx: PluginContext): Promise<SendResult> {
  const settings = readCommentsSettings(delivery.connection.settings, delivery.connection.secrets)
  const target = await commentTarget(ctx, delivery)
  if (target === null) throw new DeliveryError('No client comment to reply to in this conversation', { retryable: false })
  const text = commentText(delivery)
  const graph = pageTarget(settings)

  if (wantsPrivate(delivery, settings.replyMode)) {
    if (delivery.attachments.length > 0 || text.length > maxPrivateReplyLength || text === '') {
      throw new DeliveryError(`A private reply to a comment is one text of at most ${maxPrivateReplyLength} characters, without attachments`, { retryable: false })
    }
    if (!(await claimPrivateReply(ctx, delivery.connection.id, target.commentId, delivery.messageId))) {
      // Never fall back to a public comment: the agent wrote this for the client's eyes only.
      throw new DeliveryError('This comment already had its private reply (Meta allows one per comment); the client answers in Messenger — continue there, or reply publicly', { retryable: false })
    }
    try {
      const answer = await callGraph(graph, 'POST', `${delivery.connection.externalAccountId}/messages`, { body: { recipient: { comment_id: target.commentId }, message: { text } } })
      return { externalMessageId: typeof answer.message_id === 'string' ? answer.message_id : undefined }
    } catch (err) {
      const failure = toDeliveryError(err, delivery.attempt)
      // Not sent: the comment's one private reply is still to be had.
      if (!failure.retryable) await releasePrivateReply(ctx, delivery.connection.id, target.commentId, delivery.messageId)
      throw failure
    }
  }

  if (text.length > maxCommentLength) throw new DeliveryError(`A Facebook comment holds at most ${maxCommentLength} characters`, { retryable: false })
  const image = attachmentUrl(delivery, ctx)
  if (text === '' && image === undefined) throw new DeliveryError('Nothing to send', { retryable: false })
  try {
    const answer = await callGraph(graph, 'POST', `${encodeURIComponent(target.threadId)}/comments`, { body: { ...(text !== '' ? { message: text } : {}), ...(image !== undefined ? { attachment_url: image } : {}) } })
    return { externalMessageId: typeof answer.id === 'string' ? answer.id : undefined }
  } catch (err) {
    throw toDeliveryError(err, delivery.attempt)
  }
}

/** A public reply's id (`<post or comment>_<comment>`); private replies are Messenger messages (`m_…`). */
function replyCommentId (externalMessageId: string): string {
  if (!/^[0-9]{1,40}_[0-9]{1,40}$/.test(externalMessageId)) {
    throw new DeliveryError('Only public replies can be changed: a private reply is a Messenger message, which Meta does not let pages edit or delete', { retryable: false })
  }
  return externalMessageId
}

/** `connector.edit`: `POST /{comment-id}` with the new text (the page's own reply). */
export async function editComment (delivery: OutboundDelivery & { externalMessageId: string }): Promise<void> {
  const commentId = replyCommentId(delivery.externalMessageId)
  const text = commentText(delivery)
  if (text === '' || text.length > maxCommentLength) throw new DeliveryError(`An edited comment needs 1 to ${maxCommentLength} characters`, { retryable: false })
  const settings = readCommentsSettings(delivery.connection.settings, delivery.connection.secrets)
  try {
    await callGraph(pageTarget(settings), 'POST', commentId, { body: { message: text } })
  } catch (err) {
    throw toDeliveryError(err, delivery.attempt)
  }
}

/** `connector.remove`: `DELETE /{comment-id}`; a reply already gone counts as removed. */
export async function removeComment (delivery: OutboundDelivery & { externalMessageId: string }): Promise<void> {
  const commentId = replyCommentId(delivery.externalMessageId)
  const settings = readCommentsSettings(delivery.connection.settings, delivery.connection.secrets)
  try {
    await callGraph(pageTarget(settings), 'DELETE', commentId)
  } catch (err) {
    // (#100) with subcode 33: the object does not exist (deleted by the page or by Facebook meanwhile).
    if (err instanceof GraphApiError && err.code === 100 && err.subcode === 33) return
    throw toDeliveryError(err, delivery.attempt)
  }
}
