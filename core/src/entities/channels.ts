import { defineEntity, p } from '@mikro-orm/core'

export const OpenChannel = defineEntity({
  name: 'OpenChannel',
  tableName: 'open_channels',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    name: p.string(),
    active: p.boolean().default(true),
    language: p.string().default('en'),
    queueStrategy: p.string().nullable(),
    queueSettings: p.json<Record<string, unknown>>().default('{}'),
    chatbot: p.string().nullable(),
    chatbotSettings: p.json<Record<string, unknown>>().default('{}'),
    crmForm: p.string().nullable(),
    crmFormSettings: p.json<Record<string, unknown>>().default('{}'),
    settings: p.json<Record<string, Record<string, unknown>>>().default('{}'),
    createdAt: p.datetime().onCreate(() => new Date()).defaultRaw('now()'),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()).defaultRaw('now()')
  }
})

export const ChannelConnection = defineEntity({
  name: 'ChannelConnection',
  tableName: 'channel_connections',
  uniques: [{ properties: ['connector', 'externalAccountId'] }],
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    openChannel: () => p.manyToOne(OpenChannel).deleteRule('cascade').index(),
    connector: p.string(),
    externalAccountId: p.string(),
    status: p.enum(['connected', 'disconnected']).default('connected'),
    settings: p.json<Record<string, unknown>>().default('{}'),
    /** AES-256-GCM sealed with SECRET_KEY; never returned by the API. */
    secrets: p.text().nullable().hidden(),
    createdAt: p.datetime().onCreate(() => new Date()).defaultRaw('now()'),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()).defaultRaw('now()')
  }
})
