// Extension points: actions other plugins add to the agent API, keyed by mutation name. The console
// shows an action only when the server's schema has its mutation, fills the arguments it knows
// from the conversation or message, and asks the agent for the rest (see ActionDialog).
import type { Conversation, Message } from './types.ts'
import type { Route } from './route.ts'
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
  /** Whether the action makes sense for this conversation or message now (default: always). */
  available?: (target: ActionTarget) => boolean
  /** Where the result leads: `open` goes there at once, otherwise a link is offered. */
  after?: (result: Record<string, unknown>) => { label: string, route: Route, open?: boolean } | null
}

export const excerpt = (m: Message | undefined, max: number): string => {
  const text = plainText(m?.body ?? '').replace(/\s+/g, ' ').trim()
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

const registry = new Map<string, ConsoleAction>()

/** Add an action (a later one with the same mutation replaces the earlier). */
export function registerAction (action: ConsoleAction): void {
  registry.set(action.mutation, action)
}

export function actionsFor (scope: ConsoleAction['scope'], has: (mutation: string) => boolean, target?: ActionTarget): ConsoleAction[] {
  return [...registry.values()].filter(a => a.scope === scope && has(a.mutation) && (target === undefined || a.available === undefined || a.available(target)))
}

/** Arguments the console fills itself, by name, from what the action is about. */
export function contextArgs (target: ActionTarget, scope: ConsoleAction['scope']): Record<string, string> {
  const args: Record<string, string> = { conversationId: target.conversation.id, openChannelId: target.conversation.openChannelId }
  if (target.message !== undefined) args.messageId = target.message.id
  args.id = scope === 'message' && target.message !== undefined ? target.message.id : target.conversation.id
  return args
}
