// Everything the question and the thanks depend on, read in the caller's transaction: the
// conversation, its open channel's `quality` settings and language, whether its channel shows
// buttons, and the template variables.
import type { ConversationRecord, Id, OpenChannelRecord, PluginContext, Tx } from '@openline/sdk'
import { readQuality, type QualitySettings } from './settings.ts'
import { textLanguage, type TextLanguage, type TextVars } from './texts.ts'

export interface RatingScene {
  conversation: ConversationRecord
  channel: OpenChannelRecord & { groups: Record<string, Record<string, unknown>> }
  settings: QualitySettings
  language: TextLanguage
}

export async function loadScene (tx: Tx, ctx: PluginContext<any>, conversationId: Id): Promise<RatingScene | null> {
  const conversation = await ctx.conversations.get(conversationId, tx)
  if (conversation === null) return null
  const channel = await ctx.openChannel(conversation.openChannelId, tx)
  if (channel === null) return null
  return { conversation, channel, settings: readQuality(channel.groups.quality), language: textLanguage(channel.language) }
}

/** Whether the connector of the conversation's connection shows buttons (widget, Telegram); otherwise the client types the answer. */
export async function showsButtons (tx: Tx, ctx: PluginContext<any>, connectionId: Id | null): Promise<boolean> {
  if (connectionId === null) return false
  const [row] = await tx.query<{ connector: string }>('select connector from channel_connections where id = ?', [connectionId])
  return row !== undefined && ctx.registry.connector(row.connector)?.capabilities.buttons === true
}

interface AgentDisplay { mode?: string, aliasName?: string }

export async function textVars (tx: Tx, scene: RatingScene): Promise<TextVars> {
  const c = scene.conversation
  const [client] = await tx.query<{ name: string | null }>('select name from clients where id = ?', [c.clientId])
  let agentName = ''
  if (c.assigneeId !== null) {
    // B6: the client sees the agent as the queue settings say, in texts too.
    const display = (scene.channel.groups.queue?.agentDisplay ?? {}) as AgentDisplay
    if (display.mode === 'alias') agentName = display.aliasName ?? ''
    else if (display.mode !== 'hidden') {
      const [user] = await tx.query<{ name: string }>('select name from users where id = ?', [c.assigneeId])
      agentName = user?.name ?? ''
    }
  }
  return { clientName: client?.name ?? '', channelName: scene.channel.name, agentName }
}
