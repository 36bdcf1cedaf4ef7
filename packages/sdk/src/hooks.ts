import type { Tx } from './context.ts'
import type { ConversationRecord, MessageRecord, OpenChannelRecord, UserRecord } from './records.ts'
import type { InboundMessage } from './connectors.ts'

/**
 * The fixed set of hooks. Hooks run in plugin dependency order inside the transaction of the
 * action they guard; throwing (see `veto`) cancels the action; they may change the fields the
 * payload marks as writable. A plugin naming a hook not listed here fails at boot.
 */
export interface HookPayloads {
  /** A message is about to be stored. `message.body` and `message.visibility` are writable. */
  'message.beforeStore': { tx: Tx, message: Omit<MessageRecord, 'id' | 'createdAt'>, conversation: ConversationRecord, inbound?: InboundMessage }
  /** An outgoing message is about to be handed to its connector. `body` and `senderName`/`senderAvatarUrl` are writable (B6). */
  'message.beforeDeliver': { tx: Tx, message: MessageRecord, conversation: ConversationRecord, delivery: { body: string, senderName: string | null, senderAvatarUrl: string | null } }
  /** A conversation is about to be opened for a client. */
  'conversation.beforeOpen': { tx: Tx, openChannel: OpenChannelRecord, clientId: string, inbound?: InboundMessage }
  /** Routing is about to pick an agent. Set `preferredAgentId` to direct it (B7). */
  'conversation.beforeAssign': { tx: Tx, conversation: ConversationRecord, candidates: string[], preferredAgentId: string | null }
  /**
   * A conversation is about to be closed. Set `holdUntil` to keep it in status `closing` until then
   * (E7: time for the client to rate); the core closes it for good when the time comes.
   */
  'conversation.beforeClose': { tx: Tx, conversation: ConversationRecord, byUserId: string | null, reason: string, holdUntil: Date | null }
  /** A client identity was created: a CRM may link it to an existing client (`clientId` writable). */
  'client.identify': { tx: Tx, identityId: string, clientId: string, inbound: InboundMessage }
  /** Open-channel settings are about to be saved (after schema validation). */
  'openChannel.beforeSave': { tx: Tx, openChannel: OpenChannelRecord, group: string, values: Record<string, unknown>, user: UserRecord | null }
}

export type HookName = keyof HookPayloads
export type HookHandler<N extends HookName> = (payload: HookPayloads[N]) => void | Promise<void>
export type HookHandlers = { [N in HookName]?: HookHandler<N> }

/** Every valid hook name, for boot-time checks. */
export const hookNames: readonly HookName[] = Object.freeze([
  'message.beforeStore',
  'message.beforeDeliver',
  'conversation.beforeOpen',
  'conversation.beforeAssign',
  'conversation.beforeClose',
  'client.identify',
  'openChannel.beforeSave'
] satisfies HookName[])
