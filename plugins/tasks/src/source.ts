// The message a task or calendar event is made from, and where its conversation lives.
import type { AuthUser, ConversationRecord, MessageRecord, PluginContext } from '@openline/sdk'
import { checkId, notFound } from './read.ts'

export interface Source { message: MessageRecord, conversation: ConversationRecord }

/** The message if `user` may see its conversation (internal notes included), else OL_NOT_FOUND. */
export async function sourceMessage (ctx: PluginContext<any>, user: AuthUser, messageId: unknown): Promise<Source> {
  const message = await ctx.messages.get(checkId(messageId, '/messageId'))
  if (message === null || message.deletedAt !== null) throw notFound('Message')
  const conversation = await ctx.conversations.visibleTo(user, message.conversationId)
  return { message, conversation }
}

/** The first line with text in it, cut to `max` characters; '' when the message has no text. */
export function firstLine (body: string, max: number): string {
  const line = body.split(/\r\n|\r|\n/).map(l => l.trim()).find(l => l !== '') ?? ''
  return line.length <= max ? line : `${line.slice(0, max - 1).trimEnd()}…`
}

/** The link staff follow back to the conversation: the `conversationLink` option on `publicUrl`. */
export function conversationUrl (ctx: PluginContext<{ conversationLink: string }>, conversationId: string): string {
  const link = ctx.options.conversationLink.replaceAll('{conversationId}', encodeURIComponent(conversationId))
  return /^https?:\/\//.test(link) ? link : `${ctx.config.publicUrl.replace(/\/+$/, '')}${link.startsWith('/') ? '' : '/'}${link}`
}
