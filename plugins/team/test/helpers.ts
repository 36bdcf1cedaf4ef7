// Set-up the team tests share: the real app with the team plugin, the test connector and a
// fixture queue strategy, and one client conversation with real staff around it.
import { definePlugin, Type, type QueueStrategy } from '@openline/sdk'
import { routingScenario, untilEqual, type AgentClient, type GraphQLResponse, type RoutingScenario } from '@openline/testing'
import teamPlugin from '../src/index.ts'

// Offers the conversation to the first candidate not offered yet: a skip passes it to the next.
const nextInLine: QueueStrategy = {
  id: 'team-fixture-next',
  title: 'Next not yet offered',
  settingsSchema: Type.Object({}),
  offer: ({ candidates, previousOffers }) => ({ agents: candidates.filter(c => !previousOffers.includes(c.userId)).slice(0, 1).map(c => c.userId), exclusive: true })
}
const fixtureStrategies = definePlugin({ name: 'team-fixture-strategies', version: '0.1.0', core: '>=0.1.0', provides: { queueStrategies: [nextInLine] } })

export function teamScenario (): RoutingScenario {
  return routingScenario({ plugins: [teamPlugin, fixtureStrategies], secret: 'team-test-secret' })
}

export type Agent = AgentClient & { id: string, email: string, password: string }

/**
 * The staff around one client conversation:
 * - `left` was offered it and skipped (a participant who left),
 * - `assignee` holds it,
 * - `invited` is a current participant (set in the table: the core has no invite mutation yet),
 * - `dismissed` was a participant and is now inactive,
 * - `outsider` has nothing to do with it and sees only their own conversations.
 */
export interface Dialog {
  conversationId: string
  clientMessageId: string
  clientText: string
  clientUserId: string
  left: Agent
  assignee: Agent
  invited: Agent
  dismissedId: string
  outsider: Agent
}

let dialogs = 0

export async function dialog (s: RoutingScenario): Promise<Dialog> {
  const n = ++dialogs
  const left = await s.h.createAgent({ name: `Left ${n}` })
  const assignee = await s.h.createAgent({ name: `Assignee ${n}` })
  const invited = await s.h.createAgent({ name: `Invited ${n}` })
  const dismissed = await s.h.createAgent({ name: `Dismissed ${n}` })
  const outsider = await s.h.createAgent({ name: `Outsider ${n}` })
  const channel = await s.channel(`Team ${n}`, { strategy: nextInLine.id, strategySettings: {}, members: [{ userId: left.id }, { userId: assignee.id }], checkAvailability: false })
  const clientUserId = `team-client-${n}`
  const clientText = `My order ${n} never arrived`
  const { conversationId, messageId } = await channel.inbound(clientUserId, clientText)
  await untilEqual('offered to the first agent', () => s.assigneeOf(conversationId), left.id)
  ok(await left.query('mutation($id: ID!) { skipConversation(id: $id) }', { id: conversationId }), 'skip')
  await untilEqual('passed to the second agent', () => s.assigneeOf(conversationId), assignee.id)
  await sql(s, "insert into conversation_participants (conversation_id, user_id, role) values (?, ?, 'invited'), (?, ?, 'invited')", [conversationId, invited.id, conversationId, dismissed.id])
  ok(await s.admin.query('mutation($id: ID!) { updateUser(id: $id, input: { active: false }) { id } }', { id: dismissed.id }), 'dismiss')
  return { conversationId, clientMessageId: messageId, clientText, clientUserId, left, assignee, invited, dismissedId: dismissed.id, outsider }
}

export async function sql<Row = Record<string, any>> (s: RoutingScenario, text: string, params: unknown[] = []): Promise<Row[]> {
  return (s.h.core.orm.em.fork() as any).execute(text, params)
}

/** The data of a response that must have succeeded. */
export function ok<T = any> (res: GraphQLResponse<T>, what: string): T {
  if (res.errors !== undefined || res.data === undefined || res.data === null) throw new Error(`${what}: ${JSON.stringify(res.errors)}`)
  return res.data
}

/** The code and field paths of a response that must have failed. */
export function failure (res: GraphQLResponse<unknown>): { code: string | undefined, paths: string[] } {
  const error = res.errors?.[0]
  return { code: error?.extensions?.code, paths: (error?.extensions?.fields ?? []).map(f => f.path) }
}

/** The conversation's messages as its agents (and, through them, the client) know them. */
export async function conversationMessages (client: AgentClient, conversationId: string): Promise<{ id: string, body: string, authorKind: string }[]> {
  const data = ok(await client.query('query($id: ID!) { messages(conversationId: $id, last: 200) { nodes { id body authorKind } } }', { id: conversationId }), 'messages')
  return data.messages.nodes
}
