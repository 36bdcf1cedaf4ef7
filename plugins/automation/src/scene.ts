// Everything an automatic action looks at, read in the caller's transaction: the conversation,
// its open channel with every settings group filled, the language; and the one way the plugin
// talks to a client: `sendText`, once per conversation and action.
import type { ConversationRecord, Id, OpenChannelRecord, PluginContext, Tx } from '@openline/sdk'
import { normalizeAutomaticActions, type AutomaticActionsSettings } from './automaticActions.ts'
import { normalizeWorkingHours, describeHours, type WorkingHoursSettings } from './workingHours.ts'
import { consentDefaults, type ConsentSettings } from './consent.ts'
import { pickLanguage, shippedText, type TextKey, type TextLanguage, type TextVars } from './texts.ts'

export interface Scene {
  conversation: ConversationRecord
  channel: OpenChannelRecord & { groups: Record<string, Record<string, unknown>> }
  language: TextLanguage
  actions: AutomaticActionsSettings
  workingHours: WorkingHoursSettings
  consent: ConsentSettings
}

export const closedStatuses: readonly string[] = ['closing', 'closed']

/** The conversation and its channel's settings, or null when either is gone. Takes no locks. */
export async function loadScene (tx: Tx, ctx: PluginContext<any>, conversationId: Id): Promise<Scene | null> {
  const conversation = await ctx.conversations.get(conversationId, tx)
  if (conversation === null) return null
  const channel = await ctx.openChannel(conversation.openChannelId, tx)
  if (channel === null) return null
  return {
    conversation,
    channel,
    language: pickLanguage(channel.language),
    actions: normalizeAutomaticActions(channel.groups.automaticActions),
    workingHours: normalizeWorkingHours(channel.groups.workingHours),
    consent: { ...consentDefaults, ...(channel.groups.consent as Partial<ConsentSettings> | undefined) }
  }
}

interface AgentDisplay { mode?: string, aliasName?: string }

/** The template variables for this conversation now. */
export async function textVars (tx: Tx, scene: Scene): Promise<TextVars> {
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
  let queuePosition: number | null = null
  if (c.status === 'queued') {
    // Same order as routing and Conversation.queuePosition: oldest queued first.
    const [row] = await tx.query<{ position: number }>(
      `select (select count(*)::int from conversations w where w.open_channel_id = c.open_channel_id and w.status = 'queued'
                 and (w.queued_at, w.id) < (c.queued_at, c.id)) + 1 as position
         from conversations c where c.id = ? and c.status = 'queued'`, [c.id])
    queuePosition = row?.position ?? null
  }
  return {
    clientName: client?.name ?? '',
    channelName: scene.channel.name,
    agentName,
    workingHours: scene.workingHours.enabled ? describeHours(scene.workingHours, scene.language) : '',
    queuePosition,
    textVersion: scene.consent.textVersion
  }
}

/** Render an override (or the shipped text); an override that fails at run time falls back to the shipped text. */
export function renderText (ctx: PluginContext<any>, key: TextKey, language: TextLanguage, override: string | undefined, vars: TextVars): string {
  const shipped = shippedText(key, language)
  if (override !== undefined) {
    try {
      return ctx.templates.render(override, vars as unknown as Record<string, unknown>)
    } catch (err) {
      ctx.log.warn({ err: (err as Error).message, key }, 'automatic text failed to render; sending the shipped text')
    }
  }
  return ctx.templates.render(shipped, vars as unknown as Record<string, unknown>)
}

/**
 * Send an automatic text to the client in `tx`, at most once per conversation and `action`
 * (the claim row commits with the message). Returns whether it was sent now.
 */
export async function sendText (tx: Tx, ctx: PluginContext<any>, scene: Scene, input: { action: string, key: TextKey, override?: string }): Promise<boolean> {
  const conversationId = scene.conversation.id
  const claimed = await tx.query('insert into automation_sent (conversation_id, action) values (?, ?) on conflict do nothing returning conversation_id', [conversationId, input.action])
  if (claimed.length === 0) return false
  const body = renderText(ctx, input.key, scene.language, input.override, await textVars(tx, scene))
  // A text rendering to nothing (an override of only empty variables) counts as handled.
  if (body.trim() === '') return false
  const message = await ctx.sendMessage({ conversationId, body, authorKind: 'system', meta: { automation: input.action } }, tx)
  await tx.query('update automation_sent set message_id = ? where conversation_id = ? and action = ?', [message.id, conversationId, input.action])
  return true
}
