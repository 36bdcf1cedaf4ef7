import { defineEntity, p } from '@mikro-orm/core'
import { User } from './identity.ts'
import { OpenChannel, ChannelConnection } from './channels.ts'

export const Client = defineEntity({
  name: 'Client',
  tableName: 'clients',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    name: p.string().nullable(),
    email: p.string().nullable().index(),
    phone: p.string().nullable().index(),
    locale: p.string().nullable(),
    avatarUrl: p.text().nullable(),
    mergedInto: () => p.manyToOne(Client).nullable().deleteRule('set null'),
    createdAt: p.datetime().onCreate(() => new Date()).defaultRaw('now()')
  }
})

export const ClientIdentity = defineEntity({
  name: 'ClientIdentity',
  tableName: 'client_identities',
  uniques: [{ properties: ['connection', 'externalUserId'] }],
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    client: () => p.manyToOne(Client).deleteRule('cascade').index(),
    connection: () => p.manyToOne(ChannelConnection).deleteRule('cascade'),
    externalUserId: p.string(),
    externalChatId: p.string().nullable(),
    profile: p.json<Record<string, unknown>>().default('{}'),
    undeliverable: p.boolean().default(false),
    createdAt: p.datetime().onCreate(() => new Date()).defaultRaw('now()'),
    lastSeenAt: p.datetime().defaultRaw('now()')
  }
})

export const Conversation = defineEntity({
  name: 'Conversation',
  tableName: 'conversations',
  indexes: [
    { properties: ['openChannel', 'status', 'queuedAt'] },
    { properties: ['assignee', 'status'] }
  ],
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    openChannel: () => p.manyToOne(OpenChannel).deleteRule('cascade'),
    connection: () => p.manyToOne(ChannelConnection).nullable().deleteRule('set null'),
    client: () => p.manyToOne(Client).deleteRule('cascade').index(),
    clientIdentity: () => p.manyToOne(ClientIdentity).deleteRule('cascade'),
    status: p.enum(['queued', 'bot', 'assigned', 'closing', 'closed']).default('queued'),
    assignee: () => p.manyToOne(User).nullable().deleteRule('set null'),
    title: p.string().nullable(),
    pinnedUntil: p.datetime().nullable(),
    pinnedBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
    silent: p.boolean().default(false),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
    queuedAt: p.datetime().nullable(),
    assignedAt: p.datetime().nullable(),
    firstResponseAt: p.datetime().nullable(),
    lastClientMessageAt: p.datetime().nullable(),
    lastAgentMessageAt: p.datetime().nullable(),
    closedAt: p.datetime().nullable(),
    closeReason: p.string().nullable(),
    acceptedAt: p.datetime().nullable(),
    waitingReason: p.text().nullable(),
    messageCount: p.integer().default(0)
  }
})

export const ConversationParticipant = defineEntity({
  name: 'ConversationParticipant',
  tableName: 'conversation_participants',
  properties: {
    conversation: () => p.manyToOne(Conversation).primary().deleteRule('cascade'),
    user: () => p.manyToOne(User).primary().deleteRule('cascade'),
    role: p.enum(['assignee', 'invited', 'observer']).default('invited'),
    seesHistory: p.boolean().default(true),
    joinedAt: p.datetime().defaultRaw('now()'),
    leftAt: p.datetime().nullable()
  }
})

export const Message = defineEntity({
  name: 'Message',
  tableName: 'messages',
  uniques: [{ properties: ['connection', 'externalId'] }],
  indexes: [{ properties: ['conversation', 'id'] }],
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    conversation: () => p.manyToOne(Conversation).deleteRule('cascade'),
    connection: () => p.manyToOne(ChannelConnection).nullable().deleteRule('set null'),
    externalId: p.string().nullable(),
    authorKind: p.enum(['client', 'agent', 'bot', 'system']),
    authorUser: () => p.manyToOne(User).nullable().deleteRule('set null'),
    visibility: p.enum(['public', 'internal']).default('public'),
    body: p.text().default(''),
    attachments: p.json<unknown[]>().default('[]'),
    quoteMessage: () => p.manyToOne(Message).nullable().deleteRule('set null'),
    meta: p.json<Record<string, unknown>>().default('{}'),
    createdAt: p.datetime().defaultRaw('now()'),
    sentAt: p.datetime().nullable(),
    editedAt: p.datetime().nullable(),
    deletedAt: p.datetime().nullable(),
    deliveryStatus: p.enum(['none', 'pending', 'sent', 'delivered', 'read', 'failed']).default('none')
  }
})
