// `useQuickAnswer`: an answer's text with the conversation's variables filled in.
import { OpenlineError, errorCodes, type AuthUser, type ConversationRecord, type PluginContext } from '@openline/sdk'
import { execute, type QuickAnswer } from './answers.ts'

/** The variables an answer's text may use; absent ones render empty. */
export interface AnswerVars {
  clientName: string
  channelName: string
  /** The agent as the client sees them (B6): their name, the channel's alias, or empty when hidden. */
  agentName: string
}

interface AgentDisplay { mode?: string, aliasName?: string }

export async function answerVars (ctx: PluginContext<any>, conversation: ConversationRecord, agent: AuthUser): Promise<AnswerVars> {
  const [client] = await execute(ctx, 'select name from clients where id = ?', [conversation.clientId])
  const channel = await ctx.openChannel(conversation.openChannelId)
  const display = (channel?.groups.queue?.agentDisplay ?? {}) as AgentDisplay
  const agentName = display.mode === 'alias' ? display.aliasName ?? '' : display.mode === 'hidden' ? '' : agent.name
  return { clientName: client?.name ?? '', channelName: channel?.name ?? '', agentName }
}

/** The text for this conversation; an answer of another open channel is refused. */
export async function renderAnswer (ctx: PluginContext<any>, answer: QuickAnswer, conversation: ConversationRecord, agent: AuthUser): Promise<string> {
  if (answer.openChannelId !== null && answer.openChannelId !== conversation.openChannelId) {
    throw new OpenlineError(errorCodes.validation, 'This quick answer belongs to another open channel', { fields: [{ path: '/id', message: 'belongs to another open channel' }] })
  }
  const vars = await answerVars(ctx, conversation, agent)
  try {
    return ctx.templates.render(answer.text, vars as unknown as Record<string, unknown>)
  } catch (err) {
    throw new OpenlineError(errorCodes.validation, `The quick answer could not be filled in: ${(err as Error).message.split('\n')[0]}`, { fields: [{ path: '/id', message: 'template failed' }] })
  }
}
