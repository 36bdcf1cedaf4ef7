// What the bot tests share: a connector that shows buttons and reports presses (`meta.callbackData`),
// which the test connector cannot, and readers of the bot's messages.
import { definePlugin, Type } from '@openline/sdk'
import type { AgentClient, FakeProvider, TestApp } from '@openline/testing'

const pressSettings = Type.Object({ apiBaseUrl: Type.String() })

/** Connector `press-fixture`: `POST /plugins/press-fixture/in/:connectionId` with `{ userId, messageId, text, callbackData? }`. */
export const pressConnectorPlugin = definePlugin({
  name: 'press-fixture',
  version: '0.1.0',
  core: '>=0.1.0',
  provides: {
    channels: [{
      id: 'press-fixture',
      title: 'Channel with buttons',
      settingsSchema: pressSettings,
      capabilities: { typing: false, edits: false, deletes: false, attachments: false, buttons: true },
      // Nothing to deliver to: the tests read the bot's messages (and their buttons) from the database.
      send: async (delivery) => ({ externalMessageId: `press-${delivery.messageId}` })
    }]
  },
  routes (app, ctx) {
    app.post('/in/:connectionId', async (request) => {
      const connection = await ctx.connections.get((request.params as { connectionId: string }).connectionId)
      if (connection === null) throw new Error('unknown connection')
      const body = request.body as { userId: string, messageId: string, text: string, callbackData?: string }
      return ctx.ingest({
        connector: 'press-fixture', externalAccountId: connection.externalAccountId, externalUserId: body.userId, externalMessageId: body.messageId, text: body.text,
        ...(body.callbackData === undefined ? {} : { meta: { callbackData: body.callbackData } })
      })
    })
  }
})

export async function sql<Row = Record<string, any>> (h: TestApp, text: string, params: unknown[] = []): Promise<Row[]> {
  return (h.core.orm.em.fork() as any).execute(text, params)
}

export interface PressChannel {
  id: string
  send: (userId: string, text: string, callbackData?: string) => Promise<{ conversationId: string, messageId: string }>
}

let sequence = 0

export async function createPressChannel (h: TestApp, admin: AgentClient, provider: FakeProvider, name: string): Promise<PressChannel> {
  const created = await admin.query('mutation($n: String!) { createOpenChannel(input: { name: $n }) { id } }', { n: name })
  const id: string = created.data.createOpenChannel.id
  const connected = await admin.query('mutation($i: ConnectChannelInput!) { connectChannel(input: $i) { id } }',
    { i: { openChannelId: id, connector: 'press-fixture', externalAccountId: `press-${id}`, settings: { apiBaseUrl: provider.url } } })
  if (connected.errors !== undefined) throw new Error(JSON.stringify(connected.errors))
  const connectionId: string = connected.data.connectChannel.id
  return {
    id,
    async send (userId, text, callbackData) {
      const res = await fetch(`${h.url}/plugins/press-fixture/in/${connectionId}`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId, messageId: `p-${process.pid}-${++sequence}`, text, callbackData })
      })
      if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${await res.text()}`)
      return await res.json() as { conversationId: string, messageId: string }
    }
  }
}

export async function useBot (admin: AgentClient, openChannelId: string, chatbot: string, chatbotSettings: Record<string, unknown>, rules: Record<string, unknown> = {}): Promise<any> {
  return admin.query('mutation($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "chatbots", values: $v) { settings } }',
    { id: openChannelId, v: { chatbot, chatbotSettings, ...rules } })
}

export interface BotMessage { body: string, buttons: { text: string, data: string }[] | null }

export async function botMessages (h: TestApp, conversationId: string): Promise<BotMessage[]> {
  const rows = await sql<{ body: string, meta: any }>(h, "select body, meta from messages where conversation_id = ? and author_kind = 'bot' order by id", [conversationId])
  return rows.map(r => ({ body: r.body, buttons: r.meta?.buttons ?? null }))
}

export async function statusOf (h: TestApp, conversationId: string): Promise<string> {
  return (await sql<{ status: string }>(h, 'select status from conversations where id = ?', [conversationId]))[0].status
}

/** Whether the core's chatbot subscriber has handled a client message (so a silence is a decision, not a delay). */
export async function botHandled (h: TestApp, messageId: string): Promise<boolean> {
  const rows = await sql(h, `select 1 from event_deliveries d join events e on e.id = d.event_id
    where e.name = 'message.received' and e.payload->>'messageId' = ? and d.subscriber = 'core:chatbots:received'`, [messageId])
  return rows.length > 0
}
