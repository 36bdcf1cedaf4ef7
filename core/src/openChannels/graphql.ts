import type { AgentGraphQLContext } from '../core.ts'
import type { OpenChannelView } from './openChannels.ts'
import type { ConnectionView } from './connections.ts'
import {
  createOpenChannel, deleteOpenChannel, getOpenChannel, listOpenChannels, renameOpenChannel,
  setOpenChannelActive, setOpenChannelLanguage, updateOpenChannelSettings
} from './openChannels.ts'
import { connectChannel, disconnectChannel, listConnections } from './connections.ts'
import { listSettingsGroups, settingsWithDefaults } from './settings.ts'

const typeDefs = /* GraphQL */ `
  enum ChannelConnectionStatus { connected disconnected }

  type OpenChannel {
    id: ID!
    "Shown to clients."
    name: String!
    "Inactive: messages are still stored, but not distributed (A3)."
    active: Boolean!
    "One of en, pt-BR, es, pl, ru (A5)."
    language: String!
    queueStrategy: String
    queueSettings: JSON!
    chatbot: String
    chatbotSettings: JSON!
    crmForm: String
    crmFormSettings: JSON!
    "Every settings group keyed by group id, defaults filled in (A6)."
    settings: JSON!
    connections: [ChannelConnection!]!
    createdAt: DateTime!
    updatedAt: DateTime!
  }

  type ChannelConnection {
    id: ID!
    connector: String!
    externalAccountId: String!
    status: ChannelConnectionStatus!
    "Connector settings without its secret fields."
    settings: JSON!
    "True when secret fields are stored (sealed; never readable through the API)."
    hasSecrets: Boolean!
    "Secret values the connector generated while connecting (e.g. the webhook verify token to paste at the provider): in the connectChannel answer only, once; null everywhere else."
    generatedSecrets: JSON
    openChannel: OpenChannel!
    createdAt: DateTime!
    updatedAt: DateTime!
  }

  type SettingsGroupChoice {
    id: String!
    title: String!
    settingsSchema: JSON!
  }

  type SettingsGroupInfo {
    id: String!
    title: String!
    "JSON schema of the group's values."
    schema: JSON!
    "For queue, chatbots and crmForm: the strategies that can be chosen, with their settings schemas."
    choices: [SettingsGroupChoice!]!
  }

  type ConnectorCapabilities {
    typing: Boolean!
    edits: Boolean!
    deletes: Boolean!
    attachments: Boolean!
    buttons: Boolean!
  }

  type ConnectorInfo {
    id: String!
    title: String!
    capabilities: ConnectorCapabilities!
    settingsSchema: JSON!
    secretFields: [String!]!
  }

  input CreateOpenChannelInput {
    name: String!
    language: String
    active: Boolean
  }

  input ConnectChannelInput {
    openChannelId: ID!
    connector: String!
    "Omit when the connector learns it from the provider (e.g. a bot token)."
    externalAccountId: String
    settings: JSON
  }

  extend type Query {
    openChannels: [OpenChannel!]!
    openChannel(id: ID!): OpenChannel
    settingsGroups: [SettingsGroupInfo!]!
    connectors: [ConnectorInfo!]!
  }

  extend type Mutation {
    createOpenChannel(input: CreateOpenChannelInput!): OpenChannel!
    renameOpenChannel(id: ID!, name: String!): OpenChannel!
    setOpenChannelActive(id: ID!, active: Boolean!): OpenChannel!
    setOpenChannelLanguage(id: ID!, language: String!): OpenChannel!
    "Validate and save one settings group; other groups are untouched. Field errors are relative to the group."
    updateOpenChannelSettings(id: ID!, group: String!, values: JSON!): OpenChannel!
    "Deletes the channel with all its conversations; confirm must equal the channel's name."
    deleteOpenChannel(id: ID!, confirm: String!): Boolean!
    connectChannel(input: ConnectChannelInput!): ChannelConnection!
    disconnectChannel(id: ID!): ChannelConnection!
  }
`

// TypeBox schemas carry symbol keys; hand out plain JSON schema.
function plainSchema (schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema ?? {}))
}

type Ctx = AgentGraphQLContext

const resolvers = {
  Query: {
    openChannels: async (_root: unknown, _args: unknown, ctx: Ctx) => {
      ctx.requireUser()
      return listOpenChannels(ctx.core)
    },
    openChannel: async (_root: unknown, args: { id: string }, ctx: Ctx) => {
      ctx.requireUser()
      return getOpenChannel(ctx.core, args.id)
    },
    settingsGroups: (_root: unknown, _args: unknown, ctx: Ctx) => {
      ctx.requireUser()
      return listSettingsGroups(ctx.core).map(g => ({
        id: g.id,
        title: g.title,
        schema: plainSchema(g.schema),
        choices: g.choices.map(c => ({ id: c.id, title: c.title, settingsSchema: plainSchema(c.settingsSchema) }))
      }))
    },
    connectors: (_root: unknown, _args: unknown, ctx: Ctx) => {
      ctx.requireUser()
      return [...ctx.core.registry.connectors.values()].map(c => ({
        id: c.id,
        title: c.title,
        capabilities: c.capabilities,
        settingsSchema: plainSchema(c.settingsSchema),
        secretFields: c.secretFields ?? []
      }))
    }
  },
  OpenChannel: {
    settings: (channel: OpenChannelView, _args: unknown, ctx: Ctx) => settingsWithDefaults(ctx.core, channel),
    connections: (channel: OpenChannelView, _args: unknown, ctx: Ctx) => listConnections(ctx.core, channel.id)
  },
  ChannelConnection: {
    openChannel: (connection: ConnectionView, _args: unknown, ctx: Ctx) => getOpenChannel(ctx.core, connection.openChannelId),
    generatedSecrets: (connection: ConnectionView) => connection.generatedSecrets ?? null
  },
  Mutation: {
    createOpenChannel: async (_root: unknown, args: { input: { name: string, language?: string | null, active?: boolean | null } }, ctx: Ctx) => {
      const user = ctx.requirePermission('manageOpenChannels')
      return createOpenChannel(ctx.core, args.input, user)
    },
    renameOpenChannel: async (_root: unknown, args: { id: string, name: string }, ctx: Ctx) => {
      const user = ctx.requirePermission('manageOpenChannels')
      return renameOpenChannel(ctx.core, args.id, args.name, user)
    },
    setOpenChannelActive: async (_root: unknown, args: { id: string, active: boolean }, ctx: Ctx) => {
      const user = ctx.requirePermission('manageOpenChannels')
      return setOpenChannelActive(ctx.core, args.id, args.active, user)
    },
    setOpenChannelLanguage: async (_root: unknown, args: { id: string, language: string }, ctx: Ctx) => {
      const user = ctx.requirePermission('manageOpenChannels')
      return setOpenChannelLanguage(ctx.core, args.id, args.language, user)
    },
    updateOpenChannelSettings: async (_root: unknown, args: { id: string, group: string, values: unknown }, ctx: Ctx) => {
      const user = ctx.requirePermission('manageOpenChannels')
      return updateOpenChannelSettings(ctx.core, args.id, args.group, args.values, user)
    },
    deleteOpenChannel: async (_root: unknown, args: { id: string, confirm: string }, ctx: Ctx) => {
      const user = ctx.requirePermission('manageOpenChannels')
      return deleteOpenChannel(ctx.core, args.id, { confirm: args.confirm }, user)
    },
    connectChannel: async (_root: unknown, args: { input: { openChannelId: string, connector: string, externalAccountId?: string | null, settings?: unknown } }, ctx: Ctx) => {
      ctx.requirePermission('manageOpenChannels')
      return connectChannel(ctx.core, args.input)
    },
    disconnectChannel: async (_root: unknown, args: { id: string }, ctx: Ctx) => {
      ctx.requirePermission('manageOpenChannels')
      return disconnectChannel(ctx.core, args.id)
    }
  }
}

/** The open-channel part of the agent API; the integrator merges it into the core schema. */
export const openChannelsGraphql = { typeDefs, resolvers }
