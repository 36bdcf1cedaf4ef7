// The set-up the CRM test files share: the app with a fresh CRM plugin, a loopback channel whose
// webhook takes a client's name, phone and e-mail (like Telegram contact sharing or the widget's
// start form), a queue strategy for routing tests and an external CRM adapter written against the
// SDK only.
import { randomUUID } from 'node:crypto'
import { definePlugin, Type, veto, type ChannelConnector, type CrmAdapter, type QueueStrategy } from '@openline/sdk'
import { buildTestApp, until, type AgentClient, type GraphQLResponse, type TestApp } from '@openline/testing'
import { createCrmPlugin } from '../src/index.ts'

export const formSecret = 'crm-test-form-secret-0123456789abcdef'

export interface Delivered { externalUserId: string, body: string, meta: Record<string, unknown> }

/** Messages the loopback channel delivered to clients, oldest first. */
export const delivered: Delivered[] = []

const connector: ChannelConnector = {
  id: 'crmtest',
  title: 'CRM test channel',
  settingsSchema: Type.Object({}),
  capabilities: { typing: false, edits: false, deletes: false, attachments: false, buttons: true },
  async send (delivery) {
    delivered.push({ externalUserId: delivery.externalUserId, body: delivery.body, meta: delivery.meta })
    return { externalMessageId: randomUUID() }
  }
}

/** First candidate in queue order not offered yet (else the first): deterministic routing. */
const firstStrategy: QueueStrategy = {
  id: 'crm-fixture-first',
  title: 'First in queue order',
  settingsSchema: Type.Object({}),
  offer: ({ candidates, previousOffers }) => {
    const next = candidates.find(c => !previousOffers.includes(c.userId)) ?? candidates[0]
    return { agents: next === undefined ? [] : [next.userId], exclusive: true }
  }
}

/** What the external CRM stand-in was asked to do, and what it holds. */
export const externalCrm = {
  records: [] as { id: string, kind: string, clientId: string, source: string, conversationId: string, responsibleUserId: string | null }[],
  activities: [] as { recordId: string, conversationId: string, transcript: string }[]
}

/** An external CRM behind the same adapter interface as the built-in one (kept in memory). */
const externalAdapter: CrmAdapter = {
  id: 'fixture-crm',
  title: 'External CRM stand-in',
  settingsSchema: Type.Object({ pipeline: Type.String({ default: 'main' }) }),
  async findClient ({ client }) {
    const found = externalCrm.records.find(r => r.clientId === client.id)
    return found === undefined ? null : { kind: 'company', id: found.id, title: `Company of ${client.name ?? client.id}`, responsibleUserId: found.responsibleUserId, url: `https://crm.example/${found.id}` }
  },
  async createRecord ({ client, kind, source, conversationId }) {
    const id = `ext-${externalCrm.records.length + 1}`
    externalCrm.records.push({ id, kind, clientId: client.id, source, conversationId, responsibleUserId: null })
    return { kind, id, title: `${kind} for ${client.name ?? client.id}`, responsibleUserId: null, url: `https://crm.example/${id}` }
  },
  async saveActivity ({ record, conversationId, transcript }) {
    externalCrm.activities.push({ recordId: record.id, conversationId, transcript })
  },
  async setResponsible ({ record, userId }) {
    const found = externalCrm.records.find(r => r.id === record.id)
    if (found !== undefined) found.responsibleUserId = userId
  }
}

/** While on, another plugin vetoes the CRM's note about filled-in forms: a failure late in the form's transaction. */
export const vetoFormNotes = { on: false }

const fixturePlugin = definePlugin({
  name: 'crm-fixture',
  version: '0.1.0',
  core: '>=0.1.0',
  provides: { channels: [connector], queueStrategies: [firstStrategy], crmAdapters: [externalAdapter] },
  hooks: {
    'message.beforeStore': ({ message }) => {
      const crm = message.meta.crm as { answers?: unknown } | undefined
      if (vetoFormNotes.on && crm?.answers !== undefined) throw veto('NO_NOTES', 'Notes are refused right now')
    }
  },
  routes (app, ctx) {
    app.post('/inbound/:connectionId', async (request, reply) => {
      const connection = await ctx.connections.get((request.params as { connectionId: string }).connectionId)
      if (connection === null) return reply.code(404).send({ error: 'unknown connection' })
      const body = request.body as { userId: string, text?: string, name?: string, phone?: string, email?: string }
      const client = { ...(body.name !== undefined ? { name: body.name } : {}), ...(body.phone !== undefined ? { phone: body.phone } : {}), ...(body.email !== undefined ? { email: body.email } : {}) }
      return ctx.ingest({ connector: 'crmtest', externalAccountId: connection.externalAccountId, externalUserId: body.userId, externalMessageId: randomUUID(), text: body.text ?? 'hello', client })
    })
  }
})

export interface Channel {
  id: string
  connectionId: string
  /** A client message through the loopback webhook. */
  say: (userId: string, text?: string, client?: { name?: string, phone?: string, email?: string }) => Promise<{ conversationId: string, clientId: string, messageId: string, conversationOpened: boolean }>
}

export type Staff = AgentClient & { id: string, email: string }

export interface Scene {
  h: TestApp
  admin: AgentClient
  channel: (name: string, groups?: Record<string, Record<string, unknown>>) => Promise<Channel>
  close: () => Promise<void>
}

let channels = 0

export async function startScene (options: { crmOptions?: Record<string, unknown> } = {}): Promise<Scene> {
  const crm = createCrmPlugin()
  const h = await buildTestApp({
    plugins: [{ definition: crm, options: { formSecret, ...options.crmOptions } }, fixturePlugin],
    config: { jobs: { sweepIntervalMs: 300, process: true } }
  })
  const admin = await h.login(h.admin.email, h.admin.password)
  return {
    h,
    admin,
    async channel (name, groups = {}) {
      const created = ok(await admin.query<{ createOpenChannel: { id: string } }>('mutation($n: String!) { createOpenChannel(input: { name: $n }) { id } }', { n: name }))
      const id = created.createOpenChannel.id
      for (const [group, values] of Object.entries(groups)) {
        ok(await admin.query('mutation($id: ID!, $g: String!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: $g, values: $v) { id } }', { id, g: group, v: values }))
      }
      const connected = ok(await admin.query<{ connectChannel: { id: string } }>('mutation($i: ConnectChannelInput!) { connectChannel(input: $i) { id } }',
        { i: { openChannelId: id, connector: 'crmtest', externalAccountId: `crm-${++channels}-${randomUUID()}`, settings: {} } }))
      const connectionId = connected.connectChannel.id
      return {
        id,
        connectionId,
        async say (userId, text, client = {}) {
          const res = await fetch(`${h.url}/plugins/crm-fixture/inbound/${connectionId}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId, text, ...client }) })
          const body = await res.json() as any
          if (res.status !== 200) throw new Error(`inbound answered ${res.status}: ${JSON.stringify(body)}`)
          return body
        }
      }
    },
    async close () {
      await h.close()
    }
  }
}

/** The data of a response that must have succeeded. */
export function ok<T> (res: GraphQLResponse<T>): T {
  if (res.errors !== undefined || res.data === undefined || res.data === null) throw new Error(`GraphQL errors: ${JSON.stringify(res.errors)}`)
  return res.data
}

export function code (res: GraphQLResponse<unknown>): string | undefined {
  return res.errors?.[0]?.extensions?.code
}

export function fieldPaths (res: GraphQLResponse<unknown>): string[] {
  return (res.errors?.[0]?.extensions?.fields ?? []).map(f => f.path).sort()
}

export interface RefOut { kind: string, id: string, title: string | null, responsibleUserId: string | null, adapter: string, createdFromConversation: boolean, url: string | null }

const crmQuery = 'query($id: ID!) { conversation(id: $id) { id status assigneeId client { id name email phone } crm { kind id title responsibleUserId adapter createdFromConversation url } } }'

export async function conversationCrm (client: AgentClient, conversationId: string): Promise<{ status: string, assigneeId: string | null, client: { id: string }, crm: RefOut[] }> {
  return ok(await client.query(crmQuery, { id: conversationId })).conversation
}

/** Wait until the conversation's CRM records satisfy `done`. */
export async function untilCrm (client: AgentClient, conversationId: string, what: string, done: (refs: RefOut[]) => boolean): Promise<RefOut[]> {
  return (await until(what, () => conversationCrm(client, conversationId), c => done(c.crm))).crm
}

/** Messages of a conversation as staff see them (internal notes included). */
export async function messagesOf (client: AgentClient, conversationId: string): Promise<{ id: string, body: string, visibility: string, authorKind: string }[]> {
  return ok(await client.query<{ messages: { nodes: any[] } }>('query($id: ID!) { messages(conversationId: $id, last: 100) { nodes { id body visibility authorKind } } }', { id: conversationId })).messages.nodes
}

/**
 * Whether the CRM plugin's subscriber already handled an event of the conversation (the core records
 * each delivery): the sync point for asserting that something did *not* happen.
 */
export async function handledByCrm (h: TestApp, eventName: string, conversationId: string, where: Record<string, string> = {}): Promise<boolean> {
  const extra = Object.keys(where).map(() => ' and e.payload->>? = ?').join('')
  const rows = await h.core.orm.em.fork().getConnection().execute(
    `select 1 from event_deliveries d join events e on e.id = d.event_id
      where d.subscriber like ? and e.name = ? and e.payload->>'conversationId' = ?${extra} limit 1`,
    [`crm:on:${eventName}%`, eventName, conversationId, ...Object.entries(where).flat()], 'all')
  return rows.length > 0
}
