import type { TSchema, Static } from '@sinclair/typebox'
import type { ClientRecord, ConversationRecord, Id, MessageRecord } from './records.ts'
import type { Tx } from './context.ts'

/** An agent the core found able to take the conversation now (available, under their limit). */
export interface RoutingCandidate {
  userId: Id
  /** Position in the open channel's queue (0 = first). */
  position: number
  /** Conversations the agent holds that count against the limit. */
  load: number
  limit: number | null
  lastAssignedAt: Date | null
}

export interface Offer {
  /** Whom to offer the conversation to, in order. Empty: the conversation waits. */
  agents: Id[]
  /** True: offered to `agents[0]` alone; false: offered to all of them, first to take it wins. */
  exclusive: boolean
  /** Forward to the next agent after this many seconds without an answer (B3). */
  idleTimeoutSec?: number
}

/**
 * A queue strategy decides whom to offer a conversation to. The core enforces availability,
 * limits and the atomic claim; the strategy only orders candidates.
 * @example
 * const firstFree: QueueStrategy<typeof settings> = {
 *   id: 'first-free', title: 'First free agent', settingsSchema: Type.Object({}),
 *   offer: ({ candidates }) => ({ agents: candidates.slice(0, 1).map(c => c.userId), exclusive: true })
 * }
 */
export interface QueueStrategy<S extends TSchema = TSchema> {
  id: string
  title: string
  settingsSchema: S
  /**
   * `candidates` are ordered by queue position; `previousOffers` are the users this conversation was
   * already offered to (skipped, expired or open), each once, oldest latest-offer first.
   */
  offer: (input: { conversation: ConversationRecord, candidates: RoutingCandidate[], settings: Static<S>, previousOffers: Id[] }) => Offer | Promise<Offer>
}

/** What a chatbot may do in a conversation. */
export interface BotActions {
  reply: (text: string, options?: { buttons?: { id: string, title: string }[] }) => Promise<void>
  /** Hand the conversation to the queue (G2). */
  handOver: (reason?: string) => Promise<void>
  /** End the conversation. */
  finish: () => Promise<void>
}

/** The channel the client writes from, as far as a bot cares: whether reply buttons show (menus as buttons or numbered text). */
export interface BotChannel {
  connector: string | null
  buttons: boolean
}

/**
 * A chatbot takes the first contact of an open channel (G1–G4).
 * @example
 * const echo: Chatbot = { id: 'echo', title: 'Echo', settingsSchema: Type.Object({}),
 *   onMessage: async ({ message }, bot) => bot.reply(message.body) }
 */
export interface Chatbot<S extends TSchema = TSchema> {
  id: string
  title: string
  settingsSchema: S
  onStart?: (input: { conversation: ConversationRecord, settings: Static<S>, tx: Tx, channel: BotChannel }, bot: BotActions) => Promise<void>
  /**
   * A client message while the bot has the conversation; with the channel's rule "stay until the end"
   * (G3) also after hand-over, with `handedOver` true (the bot may stay silent then).
   */
  onMessage: (input: { conversation: ConversationRecord, message: MessageRecord, settings: Static<S>, tx: Tx, channel: BotChannel, handedOver?: boolean }, bot: BotActions) => Promise<void>
}

/** A CRM record the adapter knows the client by. */
export interface CrmRecordRef {
  kind: 'contact' | 'lead' | 'deal' | 'company'
  id: string
  title?: string
  responsibleUserId?: Id | null
  url?: string
}

/**
 * A CRM adapter (I1–I6). The built-in CRM plugin is one; an external CRM is another.
 * @example
 * const crm: CrmAdapter = { id: 'my-crm', title: 'My CRM', settingsSchema: Type.Object({ url: Type.String() }),
 *   findClient: async ({ client }) => lookup(client.email), ... }
 */
export interface CrmAdapter<S extends TSchema = TSchema> {
  id: string
  title: string
  settingsSchema: S
  /** I1: look the client up; never creates anything. */
  findClient: (input: { client: ClientRecord, settings: Static<S>, tx: Tx }) => Promise<CrmRecordRef | null>
  /** I3: create a lead or deal for an unknown client. */
  createRecord: (input: { client: ClientRecord, kind: 'lead' | 'deal', source: string, conversationId: Id, settings: Static<S>, tx: Tx }) => Promise<CrmRecordRef>
  /** I5: attach the chat log as an activity. */
  saveActivity: (input: { record: CrmRecordRef, conversationId: Id, transcript: string, settings: Static<S>, tx: Tx }) => Promise<void>
  /** I4: change the responsible person. */
  setResponsible?: (input: { record: CrmRecordRef, userId: Id, settings: Static<S>, tx: Tx }) => Promise<void>
}

export interface CrmFormField {
  name: string
  label: string
  type: 'text' | 'email' | 'phone' | 'number' | 'date' | 'select' | 'checkbox' | 'textarea'
  required?: boolean
  options?: string[]
  maxLength?: number
}

/**
 * A CRM form sent in chat (E2, I6).
 * @example
 * const contact: CrmForm = { id: 'contact', title: 'Contact details', settingsSchema: Type.Object({}),
 *   fields: () => [{ name: 'email', label: 'E-mail', type: 'email', required: true }],
 *   submit: async ({ answers }) => {} }
 */
export interface CrmForm<S extends TSchema = TSchema> {
  id: string
  title: string
  settingsSchema: S
  fields: (settings: Static<S>) => CrmFormField[]
  submit: (input: { conversationId: Id, clientId: Id, answers: Record<string, unknown>, settings: Static<S>, tx: Tx }) => Promise<void>
}

/**
 * A settings group of an open channel (A6), validated and saved on its own.
 * @example
 * settingsGroups: [{ id: 'workingHours', title: 'Working hours', schema: Type.Object({ timezone: Type.String() }) }]
 */
export interface SettingsGroup<S extends TSchema = TSchema> {
  id: string
  title: string
  schema: S
  /** Extra checks the schema cannot express (overlaps, impossible dates); return field errors. */
  validate?: (values: Static<S>) => { path: string, message: string }[]
  defaults?: Static<S>
}
