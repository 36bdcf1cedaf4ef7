// `saveMessageAsQuickAnswer`: a message the user may see becomes an answer, its text kept literal.
import { OpenlineError, errorCodes, type AuthUser, type PluginContext } from '@openline/sdk'
import type { AnswerValues } from './answers.ts'
import { checkId, limits } from './input.ts'

/**
 * Handlebars reads `{{` as the start of a variable; `\{{` is a literal `{{`, so a saved message
 * renders as it was written. (A backslash written right before `{{` is the one thing Handlebars
 * cannot keep literally: it is consumed as the escape.)
 */
export function literalTemplate (text: string): string {
  return text.replace(/\{\{/g, '\\{{')
}

export interface SaveArgs {
  messageId: string
  title?: string | null
  openChannelId?: string | null
  category?: string | null
  personal?: boolean | null
}

/**
 * The answer's values, from a message whose conversation `user` may see (OL_NOT_FOUND otherwise;
 * internal notes included). Without `openChannelId` the answer belongs to the conversation's channel.
 */
export async function valuesFromMessage (ctx: PluginContext<any>, user: AuthUser, args: SaveArgs): Promise<AnswerValues> {
  const message = await ctx.messages.get(checkId(args.messageId, '/messageId'))
  if (message === null || message.deletedAt !== null) throw new OpenlineError(errorCodes.notFound, 'Message not found', { statusCode: 404 })
  const conversation = await ctx.conversations.visibleTo(user, message.conversationId)
  if (message.body.trim() === '') throw new OpenlineError(errorCodes.validation, 'The message has no text', { fields: [{ path: '/messageId', message: 'the message has no text' }] })
  const text = literalTemplate(message.body)
  if (text.length > limits.text) throw new OpenlineError(errorCodes.validation, 'The message is too long for a quick answer', { fields: [{ path: '/messageId', message: `the text must be at most ${limits.text} characters` }] })
  return {
    openChannelId: args.openChannelId === undefined ? conversation.openChannelId : args.openChannelId,
    title: args.title?.trim() || null,
    text,
    category: args.category?.trim() || null,
    sortOrder: 0,
    personal: args.personal ?? false
  }
}
