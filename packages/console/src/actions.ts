// Extension points: actions other plugins add to the agent API, keyed by mutation name. The console
// shows an action only when the server's schema has its mutation, fills the arguments it knows
// from the conversation or message, and asks the agent for the rest (see ActionDialog).
import type { Conversation, Message } from './types.ts'
import { plainText } from './markup.ts'

export interface ActionTarget {
  conversation: Conversation
  message?: Message
}

export interface ConsoleAction {
  /** The mutation's name: the registry key. */
  mutation: string
  label: string
  scope: 'message' | 'conversation'
  /** Starting values of what the agent fills in, by argument or input-field name. */
  defaults?: (target: ActionTarget) => Record<string, unknown>
}

const excerpt = (m: Message | undefined, max: number): string => {
  const text = plainText(m?.body ?? '').replace(/\s+/g, ' ').trim()
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

const registry = new Map<string, ConsoleAction>()

/** Add an action (a later one with the same mutation replaces the earlier). */
export function registerAction (action: ConsoleAction): void {
  registry.set(action.mutation, action)
}

export function actionsFor (scope: ConsoleAction['scope'], has: (mutation: string) => boolean): ConsoleAction[] {
  return [...registry.values()].filter(a => a.scope === scope && has(a.mutation))
}

/** Arguments the console fills itself, by name, from what the action is about. */
export function contextArgs (target: ActionTarget, scope: ConsoleAction['scope']): Record<string, string> {
  const args: Record<string, string> = { conversationId: target.conversation.id, openChannelId: target.conversation.openChannelId }
  if (target.message !== undefined) args.messageId = target.message.id
  args.id = scope === 'message' && target.message !== undefined ? target.message.id : target.conversation.id
  return args
}

// E9 quick answers, K6 tasks / calendar / staff chats / feed (plugins being built alongside), and
// #6's CRM actions.
registerAction({ mutation: 'saveMessageAsQuickAnswer', label: 'Save as quick answer', scope: 'message', defaults: (t) => ({ title: excerpt(t.message, 60) }) })
registerAction({ mutation: 'createTaskFromMessage', label: 'Create task', scope: 'message', defaults: (t) => ({ title: excerpt(t.message, 80), description: t.message?.body ?? '' }) })
registerAction({ mutation: 'createCalendarEventFromMessage', label: 'Calendar event', scope: 'message', defaults: (t) => ({ title: excerpt(t.message, 80), summary: excerpt(t.message, 80), description: t.message?.body ?? '' }) })
registerAction({ mutation: 'startStaffChatFromMessage', label: 'Discuss in staff chat', scope: 'message' })
registerAction({ mutation: 'postMessageToFeed', label: 'Post to feed', scope: 'message' })
registerAction({ mutation: 'saveConversationToCrm', label: 'Save to CRM', scope: 'conversation' })
registerAction({ mutation: 'sendCrmForm', label: 'Send CRM form', scope: 'conversation' })
