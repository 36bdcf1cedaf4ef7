// What the ratings tests share: a connector with buttons (the test connector has none and cannot
// carry a press), a stand-in for automation's hold after close (E7), and small readers.
import { definePlugin, Type, type ChannelConnector } from '@openline/sdk'
import type { AgentClient, FakeProvider, TestApp } from '@openline/testing'

const settingsSchema = Type.Object({ apiBaseUrl: Type.String({ pattern: '^https?://' }) })

const buttonsConnector: ChannelConnector<typeof settingsSchema> = {
  id: 'buttons-fixture',
  title: 'Loopback channel with buttons',
  settingsSchema,
  capabilities: { typing: false, edits: false, deletes: false, attachments: false, buttons: true },
  async send (delivery) {
    // The fake provider keeps the text; the buttons stay on the message's meta, read back by SQL.
    const res = await fetch(`${String(delivery.connection.settings.apiBaseUrl)}/send`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ idempotencyKey: delivery.idempotencyKey, to: delivery.externalUserId, text: delivery.body, senderName: delivery.senderName })
    })
    return { externalMessageId: ((await res.json()) as { id: string }).id }
  }
}

/**
 * A connector whose webhook `POST /plugins/buttons-fixture/webhook/:connectionId` takes
 * `{ userId, messageId, text, callbackData? }`: a button press arrives with `meta.callbackData`,
 * as the widget and Telegram deliver it.
 */
export const buttonsConnectorPlugin = definePlugin({
  name: 'buttons-fixture',
  version: '0.1.0',
  core: '>=0.1.0',
  provides: { channels: [buttonsConnector] },
  routes (app, ctx) {
    app.post('/webhook/:connectionId', async (request) => {
      const { connectionId } = request.params as { connectionId: string }
      const body = request.body as { userId: string, messageId: string, text: string, callbackData?: string }
      const connection = await ctx.connections.get(connectionId)
      if (connection === null) throw new Error('unknown connection')
      return ctx.ingest({
        connector: 'buttons-fixture',
        externalAccountId: connection.externalAccountId,
        externalUserId: body.userId,
        externalMessageId: body.messageId,
        text: body.text,
        meta: body.callbackData === undefined ? undefined : { callbackData: body.callbackData }
      })
    })
  }
})

/** Open channels whose agent closes are held in `closing` for a minute, as automation's E7 does. */
export const holdingChannels = new Set<string>()

export const holdFixturePlugin = definePlugin({
  name: 'hold-fixture',
  version: '0.1.0',
  core: '>=0.1.0',
  hooks: {
    'conversation.beforeClose': (payload) => {
      if (payload.reason === 'closedByAgent' && holdingChannels.has(payload.conversation.openChannelId)) payload.holdUntil = new Date(Date.now() + 60_000)
    }
  }
})

export async function sql<Row = Record<string, any>> (h: TestApp, text: string, params: unknown[] = []): Promise<Row[]> {
  return (h.core.orm.em.fork() as any).execute(text, params)
}

export interface ButtonsChannel {
  id: string
  connectionId: string
  /** A client message; with `callbackData` it is a button press. */
  send: (userId: string, text: string, callbackData?: string) => Promise<{ conversationId: string, messageId: string, conversationOpened: boolean }>
}

let sequence = 0

export async function createButtonsChannel (h: TestApp, admin: AgentClient, provider: FakeProvider, name: string): Promise<ButtonsChannel> {
  const created = await admin.query('mutation($n: String!) { createOpenChannel(input: { name: $n }) { id } }', { n: name })
  const id: string = created.data.createOpenChannel.id
  const connected = await admin.query('mutation($i: ConnectChannelInput!) { connectChannel(input: $i) { id } }',
    { i: { openChannelId: id, connector: 'buttons-fixture', externalAccountId: `buttons-${id}`, settings: { apiBaseUrl: provider.url } } })
  if (connected.errors !== undefined) throw new Error(JSON.stringify(connected.errors))
  const connectionId: string = connected.data.connectChannel.id
  return {
    id,
    connectionId,
    async send (userId, text, callbackData) {
      const res = await fetch(`${h.url}/plugins/buttons-fixture/webhook/${connectionId}`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId, messageId: `b-${process.pid}-${++sequence}`, text, callbackData })
      })
      if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${await res.text()}`)
      return await res.json() as { conversationId: string, messageId: string, conversationOpened: boolean }
    }
  }
}

export async function saveQuality (admin: AgentClient, openChannelId: string, values: Record<string, unknown>): Promise<any> {
  return admin.query('mutation($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "quality", values: $v) { settings } }', { id: openChannelId, v: values })
}

/** The admin takes the conversation (so an agent served it) and closes it. */
export async function serveAndClose (admin: AgentClient, conversationId: string): Promise<void> {
  const taken = await admin.query('mutation($id: ID!) { takeOverConversation(id: $id) { id } }', { id: conversationId })
  if (taken.errors !== undefined) throw new Error(JSON.stringify(taken.errors))
  const closed = await admin.query('mutation($id: ID!) { closeConversation(id: $id) { id } }', { id: conversationId })
  if (closed.errors !== undefined) throw new Error(JSON.stringify(closed.errors))
}

/** Whether this plugin's `message.received` subscriber has run for a message (to check that it did nothing). */
export async function handled (h: TestApp, messageId: string): Promise<boolean> {
  const rows = await sql(h, `select 1 from event_deliveries d join events e on e.id = d.event_id
    where e.name = 'message.received' and e.payload->>'messageId' = ? and d.subscriber like 'ratings:on:message.received%'`, [messageId])
  return rows.length > 0
}

export const ratingFields = 'conversationId askedAt expiresAt client { value source at } supervisor { stars comment byUserId byName at }'

export async function ratingOf (admin: AgentClient, conversationId: string): Promise<any> {
  const res = await admin.query(`query($id: ID!) { conversation(id: $id) { rating { ${ratingFields} } } }`, { id: conversationId })
  if (res.errors !== undefined) throw new Error(JSON.stringify(res.errors))
  return res.data.conversation.rating
}
