// Quick answers in a conversation: filled in for it (useQuickAnswer) and saved from its messages
// (saveMessageAsQuickAnswer), only by staff who may see it.
import t from 'tap'
import { until } from '@openline/testing'
import { code, ok, paths, startScene, type Scene } from './helpers.ts'

const CREATE = 'mutation ($i: CreateQuickAnswerInput!) { createQuickAnswer(input: $i) { id usageCount } }'
const USE = 'mutation ($id: ID!, $c: ID!) { useQuickAnswer(id: $id, conversationId: $c) }'
const ONE = 'query ($id: ID!) { quickAnswer(id: $id) { id text usageCount lastUsedAt } }'
const SAVE = `mutation ($m: ID!, $t: String, $ch: ID, $p: Boolean) {
  saveMessageAsQuickAnswer(messageId: $m, title: $t, openChannelId: $ch, personal: $p) { id title text openChannelId personal createdById } }`
const POPULAR = 'query ($ch: ID, $s: String) { quickAnswers(openChannelId: $ch, search: $s, order: popular) { nodes { id usageCount } } }'
const CONVERSATION = 'query ($id: ID!) { conversation(id: $id) { assigneeId } }'
const NOTE = 'mutation ($c: ID!, $b: String!) { sendMessage(conversationId: $c, body: $b, internal: true) { id } }'
const SETTINGS = 'mutation ($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "queue", values: $v) { id } }'

interface Saved { id: string, title: string | null, text: string, openChannelId: string | null, personal: boolean, createdById: string }

let scene: Scene
t.before(async () => { scene = await startScene() })
t.teardown(() => scene?.close())

async function create (input: Record<string, unknown>): Promise<string> {
  return ok(await scene.admin.query<{ createQuickAnswer: { id: string } }>(CREATE, { i: input })).createQuickAnswer.id
}

t.test('useQuickAnswer fills in client, channel and agent, and counts the use', async (t) => {
  const { admin, h } = scene
  const ch = await scene.channel('Loja Centro')
  const { conversationId } = await scene.inbound(ch, 'use-1', 'Oi', 'Maria Souza')
  const greeting = await create({ openChannelId: ch.id, text: 'Olá {{clientName}}, aqui é {{agentName}} da {{channelName}}.{{#if missing}} never{{/if}}' })
  const plain = await create({ openChannelId: ch.id, text: 'Obrigado pelo contato.' })

  t.equal(ok(await admin.query<{ useQuickAnswer: string }>(USE, { id: greeting, c: conversationId })).useQuickAnswer, 'Olá Maria Souza, aqui é Test Admin da Loja Centro.')
  t.equal(ok(await admin.query<{ useQuickAnswer: string }>(USE, { id: greeting, c: conversationId })).useQuickAnswer, 'Olá Maria Souza, aqui é Test Admin da Loja Centro.')
  const used = ok(await admin.query<{ quickAnswer: { usageCount: number, lastUsedAt: string | null } }>(ONE, { id: greeting })).quickAnswer
  t.equal(used.usageCount, 2)
  t.ok(used.lastUsedAt !== null)
  const order = ok(await admin.query<{ quickAnswers: { nodes: { id: string, usageCount: number }[] } }>(POPULAR, { ch: ch.id, s: 'o' })).quickAnswers.nodes.map(a => a.id)
  t.ok(order.indexOf(greeting) < order.indexOf(plain), 'the most used answer comes first')

  // An agent sees a conversation once it is theirs; the client sees the agent as the channel says (B6).
  const marta = await h.createAgent({ name: 'Marta Nowak' })
  const routed = await scene.channel('Fila', { strategy: 'fixture-first', members: [{ userId: marta.id }], checkAvailability: false })
  const agentLine = await create({ text: '{{agentName}} at {{channelName}} for {{clientName}}' })
  const first = await scene.inbound(routed, 'use-2', 'Hello', 'Jan')
  await until('assigned to Marta', async () => (await admin.query(CONVERSATION, { id: first.conversationId })).data?.conversation?.assigneeId, id => id === marta.id)
  t.equal(ok(await marta.query<{ useQuickAnswer: string }>(USE, { id: agentLine, c: first.conversationId })).useQuickAnswer, 'Marta Nowak at Fila for Jan')
  ok(await admin.query(SETTINGS, { id: routed.id, v: { strategy: 'fixture-first', members: [{ userId: marta.id }], checkAvailability: false, agentDisplay: { mode: 'alias', aliasName: 'Equipe Fila' } } }))
  t.equal(ok(await marta.query<{ useQuickAnswer: string }>(USE, { id: agentLine, c: first.conversationId })).useQuickAnswer, 'Equipe Fila at Fila for Jan', 'the channel\'s alias')
  ok(await admin.query(SETTINGS, { id: routed.id, v: { strategy: 'fixture-first', members: [{ userId: marta.id }], checkAvailability: false, agentDisplay: { mode: 'hidden' } } }))
  t.equal(ok(await marta.query<{ useQuickAnswer: string }>(USE, { id: agentLine, c: first.conversationId })).useQuickAnswer, ' at Fila for Jan', 'hidden: no name')

  // Someone who may not see the conversation learns nothing and counts nothing.
  const outsider = await h.createAgent({ name: 'Outsider' })
  const refused = await outsider.query(USE, { id: greeting, c: conversationId })
  t.equal(code(refused), 'OL_NOT_FOUND')
  t.equal(ok(await admin.query<{ quickAnswer: { usageCount: number } }>(ONE, { id: greeting })).quickAnswer.usageCount, 2, 'not counted')
  t.same(paths(await admin.query(USE, { id: greeting, c: 'nope' })), ['/conversationId'])

  // An answer of one channel is not used in another's conversation.
  t.same(paths(await marta.query(USE, { id: greeting, c: first.conversationId })), ['/id'])
})

t.test('saveMessageAsQuickAnswer copies a visible message literally, internal notes included', async (t) => {
  const { admin, h } = scene
  const ch = await scene.channel('Salvar')
  const body = 'Seu pedido {{42}} foi enviado, {{clientName}}!\nRastreio: BR-1; obrigado'
  const { conversationId, messageId } = await scene.inbound(ch, 'save-1', body, 'Maria')

  const saved = ok(await admin.query<{ saveMessageAsQuickAnswer: Saved }>(SAVE, { m: messageId, t: 'Pedido enviado' })).saveMessageAsQuickAnswer
  t.match(saved, { title: 'Pedido enviado', openChannelId: ch.id, personal: false, createdById: h.admin.id }, 'the conversation\'s channel by default')
  t.equal(ok(await admin.query<{ useQuickAnswer: string }>(USE, { id: saved.id, c: conversationId })).useQuickAnswer, body, 'used, it reads exactly as the message did')

  const note = ok(await admin.query<{ sendMessage: { id: string } }>(NOTE, { c: conversationId, b: 'Internal: offer a 10% coupon' })).sendMessage.id
  const fromNote = ok(await admin.query<{ saveMessageAsQuickAnswer: Saved }>(SAVE, { m: note, ch: null, p: true })).saveMessageAsQuickAnswer
  t.match(fromNote, { title: null, text: 'Internal: offer a 10% coupon', openChannelId: null, personal: true }, 'an internal note, for every channel, personal')

  const outsider = await h.createAgent({ name: 'Not assigned' })
  t.equal(code(await outsider.query(SAVE, { m: messageId })), 'OL_NOT_FOUND', 'an agent who cannot see the conversation')
  t.equal(code(await outsider.query(SAVE, { m: note })), 'OL_NOT_FOUND')
  t.equal(code(await admin.query(SAVE, { m: '999999999' })), 'OL_NOT_FOUND', 'no such message')
  t.same(paths(await admin.query(SAVE, { m: 'x' })), ['/messageId'])
  t.same(paths(await admin.query(SAVE, { m: messageId, t: 't'.repeat(201) })), ['/title'])
  t.same(paths(await admin.query(SAVE, { m: messageId, ch: '999999999' })), ['/openChannelId'])
  const huge = await scene.inbound(ch, 'save-2', 'z'.repeat(4001))
  t.same(paths(await admin.query(SAVE, { m: huge.messageId })), ['/messageId'], 'longer than an answer may be')

  // The agent the conversation is assigned to may save from it.
  const lena = await h.createAgent({ name: 'Lena' })
  const routed = await scene.channel('Salvar fila', { strategy: 'fixture-first', members: [{ userId: lena.id }], checkAvailability: false })
  const mine = await scene.inbound(routed, 'save-3', 'Quanto custa o frete?')
  await until('assigned to Lena', async () => (await admin.query(CONVERSATION, { id: mine.conversationId })).data?.conversation?.assigneeId, id => id === lena.id)
  const hers = ok(await lena.query<{ saveMessageAsQuickAnswer: Saved }>(SAVE, { m: mine.messageId })).saveMessageAsQuickAnswer
  t.match(hers, { text: 'Quanto custa o frete?', openChannelId: routed.id, createdById: lena.id })
})
