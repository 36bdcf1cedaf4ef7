import type { Attachment, InboundMessage } from '@openline/sdk'
import type { MediaSource, MetaEvent } from './inbound.ts'
import { clean, fromSeconds, id, isObject, str } from './values.ts'

/**
 * The client identity of a commenter under one post. The core keeps one open conversation per
 * identity, so naming the identity by commenter *and* post gives one conversation per commenter
 * per post (a person commenting on two posts is two threads, each answered under its own post).
 */
export function commentThreadUserId (commenterId: string, postId: string): string {
  return `${commenterId}@${postId}`
}

/**
 * One `entry[].changes[]` item of a `page` webhook → a client comment, or why not. Only new
 * comments (`item: comment`, `verb: add`) by someone other than the page become messages.
 * Never throws.
 */
export function mapFeedChange (change: unknown, pageId: string | null): MetaEvent {
  if (!isObject(change)) return { kind: 'ignored', reason: 'change is not an object' }
  const value = isObject(change.value) ? change.value : null
  if (change.field !== 'feed' || value === null) return { kind: 'ignored', reason: `page change field ${str(change.field, 50) ?? '(none)'} not handled` }
  if (value.item !== 'comment') return { kind: 'ignored', reason: `feed item ${str(value.item, 50) ?? '(none)'} not handled` }
  if (value.verb !== 'add') {
    // Edits and removals of a comment already stored: the core has no "edit an inbound message"; logged only.
    return { kind: 'ignored', reason: `comment ${str(value.verb, 20) ?? '(no verb)'} ${str(value.comment_id, 100) ?? ''}`.trim() }
  }
  const commentId = id(value.comment_id)
  const postId = id(value.post_id)
  const from = isObject(value.from) ? value.from : null
  const commenterId = id(from?.id)
  if (commentId === null || postId === null) return { kind: 'ignored', reason: 'comment without comment_id or post_id' }
  if (commenterId === null) return { kind: 'ignored', reason: 'comment without from.id (the page lacks permission to see the commenter)' }
  if (pageId !== null && commenterId === pageId) return { kind: 'ignored', reason: 'a comment by the page itself' }

  const parentId = id(value.parent_id)
  // Replies go under the thread's top-level comment: a comment on the post starts a thread, a reply to a comment joins its thread.
  const threadId = parentId !== null && parentId !== postId ? parentId : commentId
  const text = typeof value.message === 'string' ? clean(value.message, 65_536) : ''
  const attachments: Attachment[] = []
  const media: MediaSource[] = []
  for (const [field, kind] of [['photo', 'image'], ['video', 'video']] as const) {
    const url = str(value[field], 4000)
    if (url === null || !/^https?:\/\//.test(url)) continue
    attachments.push({ kind, providerFileId: url.slice(0, 2000) })
    media.push({ kind: 'url', url })
  }
  if (text.trim() === '' && attachments.length === 0) return { kind: 'ignored', reason: 'empty comment' }
  const permalink = isObject(value.post) ? str(value.post.permalink_url, 2000) : null
  const message: Omit<InboundMessage, 'connector' | 'externalAccountId'> = {
    externalUserId: commentThreadUserId(commenterId, postId),
    externalChatId: postId,
    externalMessageId: commentId,
    sentAt: fromSeconds(value.created_time),
    text,
    meta: { object: 'page', field: 'feed', commentId, postId, threadId, commenterId, ...(permalink !== null ? { permalink } : {}) }
  }
  const name = str(from?.name, 255)
  if (name !== null) message.client = { name }
  if (attachments.length > 0) message.attachments = attachments
  if (threadId !== commentId) message.quoteExternalId = threadId
  return { kind: 'message', message, media }
}
