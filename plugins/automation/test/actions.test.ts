// Automatic actions end to end (E1, E3–E8, B8, C2, D1, texts): the real app, the test connector
// and a fake provider that records what the client receives. A settings "minute" lasts 200 ms.
import t from 'tap'
import { definePlugin, type QueueStrategy, Type } from '@openline/sdk'
import { buildTestApp, clearRedisPrefix, createTestChannel, sign, startFakeProvider, testConnectorPlugin, until, type AgentClient, type FakeProvider, type TestApp, type TestChannel } from '@openline/testing'
import automationPlugin, { describeHours, normalizeWorkingHours, shippedText, textKeys, textLanguages, type TextKey, type TextLanguage } from '../src/index.ts'

const minuteMs = 200

// Offer to the first candidate alone: the conversation is assigned at once.
const first: QueueStrategy = {
  id: 'fixture-first',
  title: 'First candidate',
  settingsSchema: Type.Object({}),
  offer: ({ candidates }) => ({ agents: candidates.slice(0, 1).map(c => c.userId), exclusive: true })
}
const strategies = definePlugin({ name: 'fixture-strategies', version: '0.1.0', core: '>=0.1.0', provides: { queueStrategies: [first] } })

const UPDATE = 'mutation ($id: ID!, $group: String!, $values: JSON!) { updateOpenChannelSettings(id: $id, group: $group, values: $values) { id settings } }'
const CONVERSATION = 'query ($id: ID!) { conversation(id: $id) { id status assigneeId waitingReason queuePosition unanswered pinnedUntil } }'
const REPLY = 'mutation ($id: ID!, $body: String!) { sendMessage(conversationId: $id, body: $body) { id } }'
const CLOSE = 'mutation ($id: ID!) { closeConversation(id: $id) { status } }'

let h: TestApp
let provider: FakeProvider
let admin: AgentClient
const secret = 'automation-actions-secret'
let sequence = 0

t.before(async () => {
  provider = await startFakeProvider()
  h = await buildTestApp({
    plugins: [testConnectorPlugin, { definition: automationPlugin, options: { minuteMs } }, strategies],
    config: { jobs: { sweepIntervalMs: 200, process: true } }
  })
  admin = await h.login(h.admin.email, h.admin.password)
})
t.teardown(async () => { await h?.close(); await provider?.close() })

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

async function sql<Row = Record<string, any>> (text: string, params: unknown[] = []): Promise<Row[]> {
  return (h.core.orm.em.fork() as any).execute(text, params)
}

interface Channel extends TestChannel { name: string }

/** An open channel in `language` with a test connection and the given settings groups. */
async function channel (name: string, groups: Record<string, Record<string, unknown>>, language = 'en'): Promise<Channel> {
  const created = await createTestChannel(h, admin, provider, { name, secret, queue: groups.queue })
  if (language !== 'en') {
    const res = await admin.query('mutation ($id: ID!, $l: String!) { setOpenChannelLanguage(id: $id, language: $l) { id } }', { id: created.id, l: language })
    if (res.errors !== undefined) throw new Error(JSON.stringify(res.errors))
  }
  for (const [group, values] of Object.entries(groups)) {
    if (group === 'queue') continue
    const res = await admin.query(UPDATE, { id: created.id, group, values })
    if (res.errors !== undefined) throw new Error(`${group}: ${JSON.stringify(res.errors)}`)
  }
  return { ...created, name }
}

/** A client message (with the client's name) through the signed webhook; returns the conversation id. */
async function inbound (ch: Channel, userId: string, name?: string, text = 'Hi'): Promise<string> {
  const raw = JSON.stringify({ userId, messageId: `aa-${process.pid}-${++sequence}`, text, ...(name === undefined ? {} : { name }) })
  const res = await fetch(`${h.url}/plugins/test-connector/webhook/${ch.connectionId}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test-signature': sign(secret, raw) }, body: raw })
  const body = await res.json() as any
  if (res.status !== 200) throw new Error(`webhook ${res.status}: ${JSON.stringify(body)}`)
  return body.conversationId
}

/** Texts the client received, in arrival order. */
function received (userId: string): string[] {
  return provider.sent().filter(s => s.to === userId).sort((a, b) => a.at - b.at).map(s => s.text)
}

async function receivedAtLeast (userId: string, n: number, ms = 8000): Promise<string[]> {
  return until(`${n} texts to ${userId}`, async () => received(userId), texts => texts.length >= n, ms)
}

/** The automatic (system) texts of a conversation, oldest first, with the action that sent them. */
async function systemTexts (conversationId: string): Promise<{ body: string, action: string }[]> {
  return sql("select body, meta->>'automation' as action from messages where conversation_id = ? and author_kind = 'system' order by id", [conversationId])
}

async function conversation (id: string, client: AgentClient = admin): Promise<any> {
  const res = await client.query(CONVERSATION, { id })
  if (res.errors !== undefined) throw new Error(JSON.stringify(res.errors))
  return res.data.conversation
}

function render (key: TextKey, language: TextLanguage, vars: Record<string, unknown>): string {
  return h.core.templates.render(shippedText(key, language), { clientName: '', agentName: '', workingHours: '', queuePosition: null, textVersion: '1', ...vars })
}

t.test('greeting: first contact only vs every conversation, in the channel language, overridable (E1, A5)', async (t) => {
  const once = await channel('Greet once', { automaticActions: { greeting: { enabled: true } } })
  const conv1 = await inbound(once, 'greet-1', 'Ana')
  t.same(await receivedAtLeast('greet-1', 1), [render('greeting', 'en', { clientName: 'Ana', channelName: 'Greet once' })])
  t.match(received('greet-1')[0], /^Hello, Ana! Thank you for contacting Greet once\./)
  await admin.query(CLOSE, { id: conv1 })
  const conv2 = await inbound(once, 'greet-1', 'Ana')
  t.not(conv2, conv1, 'a new conversation')

  const every = await channel('Saudações', { automaticActions: { greeting: { enabled: true, when: 'everyConversation' } } }, 'pt-BR')
  const pt1 = await inbound(every, 'greet-2')
  const [greeting] = await receivedAtLeast('greet-2', 1)
  t.equal(greeting, render('greeting', 'pt-BR', { channelName: 'Saudações' }), 'Portuguese for a pt-BR channel')
  t.match(greeting, /^Olá! Agradecemos o seu contato com Saudações\./)
  await admin.query(CLOSE, { id: pt1 })
  await inbound(every, 'greet-2')
  t.equal((await receivedAtLeast('greet-2', 2)).length, 2, 'greeted again in the new conversation')

  const custom = await channel('Hola', { automaticActions: { greeting: { enabled: true, text: '¡Buenas, {{clientName}}! Soy {{channelName}}{{#if agentName}} ({{agentName}}){{/if}}.' } } }, 'es')
  await inbound(custom, 'greet-3', 'Lucía')
  t.same(await receivedAtLeast('greet-3', 1), ['¡Buenas, Lucía! Soy Hola.'], 'the channel\'s own text')

  await sleep(600)
  t.same((await systemTexts(conv2)), [], 'no greeting on the second contact')
  t.equal(received('greet-1').length, 1)
  t.equal(received('greet-2').length, 2)
})

t.test('settings: defaults, bounds and template syntax are checked at save time', async (t) => {
  const ch = await channel('Settings check', {})
  const shown = await admin.query('query ($id: ID!) { openChannel(id: $id) { settings } }', { id: ch.id })
  t.same(shown.data.openChannel.settings.automaticActions, {
    greeting: { enabled: false, when: 'firstContact' },
    markUnansweredAfterMin: 0,
    noAnswer: { enabled: false, afterMin: 10 },
    noAgents: { enabled: false },
    closing: { enabled: false },
    holdAfterCloseSec: 0,
    autoClose: { enabled: false, afterMin: 1440, message: { enabled: false } }
  })
  const bad: [string, Record<string, unknown>, string][] = [
    ['automaticActions', { greeting: { enabled: true, text: 'Hi {{#if clientName}}{{clientName}}' } }, '/greeting/text'],
    ['automaticActions', { noAgents: { enabled: true, busyText: 'Position {{queuePosition}' } }, '/noAgents/busyText'],
    ['automaticActions', { closing: { enabled: true, text: '   ' } }, '/closing/text'],
    ['automaticActions', { autoClose: { enabled: true, message: { enabled: true, text: '{{/if}}' } } }, '/autoClose/message/text'],
    ['automaticActions', { holdAfterCloseSec: 30 }, '/holdAfterCloseSec'],
    ['automaticActions', { holdAfterCloseSec: 86_401 }, '/holdAfterCloseSec'],
    ['automaticActions', { markUnansweredAfterMin: 1441 }, '/markUnansweredAfterMin'],
    ['automaticActions', { noAnswer: { enabled: true, afterMin: 0 } }, '/noAnswer/afterMin'],
    ['automaticActions', { autoClose: { enabled: true, afterMin: 43_201 } }, '/autoClose/afterMin'],
    ['automaticActions', { greeting: { enabled: true, when: 'sometimes' } }, '/greeting/when'],
    ['consent', { enabled: true, text: { pl: 'Zgoda {{#if clientName}}' } }, '/text/pl'],
    ['workingHours', { enabled: true, outOfHours: { reply: true, text: 'Closed {{workingHours' } }, '/outOfHours/text']
  ]
  for (const [group, values, path] of bad) {
    const res = await admin.query(UPDATE, { id: ch.id, group, values })
    t.equal(res.errors?.[0].extensions?.code, 'OL_VALIDATION', `${group} ${path}`)
    t.same(res.errors?.[0].extensions?.fields?.map(f => f.path), [path], `${group} ${path}`)
  }
  for (const language of textLanguages) {
    for (const key of textKeys) t.equal(h.core.templates.check(shippedText(key, language), '/x'), null, `shipped ${language} ${key} compiles`)
  }
  const good = await admin.query(UPDATE, { id: ch.id, group: 'automaticActions', values: { holdAfterCloseSec: 60, greeting: { enabled: true, text: 'Hi{{#if clientName}} {{clientName}}{{/if}}' } } })
  t.equal(good.errors, undefined, JSON.stringify(good.errors))
  t.equal(good.data.updateOpenChannelSettings.settings.automaticActions.holdAfterCloseSec, 60)
})

t.test('waiting: one text per conversation with its queue position (B8, E5)', async (t) => {
  const agent = await h.createAgent()
  const ch = await channel('Busy', {
    queue: { strategy: 'fixture-first', members: [{ userId: agent.id }], checkAvailability: false, limit: { enabled: true, maxConversations: 1 } },
    automaticActions: { noAgents: { enabled: true } }
  })
  const busy = await inbound(ch, 'wait-0')
  await until('first assigned', () => conversation(busy), c => c.status === 'assigned')
  const second = await inbound(ch, 'wait-1')
  await until('second waits', () => conversation(second), c => c.waitingReason === 'allAgentsBusy')
  const third = await inbound(ch, 'wait-2')
  await until('third waits', () => conversation(third), c => c.waitingReason === 'allAgentsBusy')
  t.same(await receivedAtLeast('wait-1', 1), [render('waiting', 'en', { queuePosition: 1 })])
  t.same(await receivedAtLeast('wait-2', 1), [render('waiting', 'en', { queuePosition: 2 })])
  t.match(received('wait-2')[0], /Your position in the queue: 2\./)
  t.same(received('wait-0'), [], 'the assigned one gets nothing')

  // The reason changes (the agent counts as offline now): the text is not sent again.
  await admin.query(UPDATE, { id: ch.id, group: 'queue', values: { strategy: 'fixture-first', members: [{ userId: agent.id }], checkAvailability: true, limit: { enabled: true, maxConversations: 1 } } })
  await until('reason changes', () => conversation(second), c => c.waitingReason === 'noAgentsAvailable')
  await sleep(500)
  t.equal(received('wait-1').length, 1, 'once per conversation')
  t.equal(received('wait-2').length, 1)

  // Nobody in the queue at all: the no-agents text.
  const empty = await channel('Empty queue', { queue: { strategy: 'fixture-first', members: [] }, automaticActions: { noAgents: { enabled: true, text: 'Nobody here. You are #{{queuePosition}} at {{channelName}}.' } } })
  const lone = await inbound(empty, 'wait-3')
  await until('waits: no members', () => conversation(lone), c => c.waitingReason === 'noMembers')
  t.same(await receivedAtLeast('wait-3', 1), ['Nobody here. You are #1 at Empty queue.'])
})

t.test('closing text and the hold after close: closing, then closed (E6, E7)', async (t) => {
  const agent = await h.createAgent({ name: 'Marta Nowak' })
  const ch = await channel('Zamknięcie', {
    queue: { strategy: 'fixture-first', members: [{ userId: agent.id }], checkAvailability: false },
    automaticActions: { closing: { enabled: true }, holdAfterCloseSec: 300 }
  }, 'pl')
  const id = await inbound(ch, 'close-1', 'Jan')
  await until('assigned', () => conversation(id), c => c.assigneeId === agent.id)
  const closed = await agent.query(CLOSE, { id })
  t.equal(closed.data?.closeConversation.status, 'closing', 'held for the rating')
  t.same(await receivedAtLeast('close-1', 1), [render('closing', 'pl', { clientName: 'Jan', channelName: 'Zamknięcie' })])
  t.match(received('close-1')[0], /^Dziękujemy za kontakt, Jan!/)
  await sleep(300)
  t.equal((await conversation(id)).status, 'closing', 'still within 300 s (1 s here)')
  await until('closed for good', () => conversation(id), c => c.status === 'closed', 5000)
  await sleep(300)
  t.equal(received('close-1').length, 1, 'the closing text once')

  // Agent name as the client sees it (B6): the channel's alias.
  const alias = await channel('Alias', {
    queue: { strategy: 'fixture-first', members: [{ userId: agent.id }], checkAvailability: false, agentDisplay: { mode: 'alias', aliasName: 'Support Team' } },
    automaticActions: { closing: { enabled: true, text: '{{agentName}} says bye' } }
  })
  const aliased = await inbound(alias, 'close-2')
  await until('assigned', () => conversation(aliased), c => c.assigneeId === agent.id)
  t.equal((await agent.query(CLOSE, { id: aliased })).data?.closeConversation.status, 'closed', 'no hold configured: closed at once')
  t.same(await receivedAtLeast('close-2', 1), ['Support Team says bye'])
})

t.test('auto-close after client silence, reset by the client, not while pinned (E8)', async (t) => {
  const agent = await h.createAgent()
  const ch = await channel('Auto close', {
    queue: { strategy: 'fixture-first', members: [{ userId: agent.id }], checkAvailability: false },
    automaticActions: { autoClose: { enabled: true, afterMin: 3, message: { enabled: true } }, closing: { enabled: true }, holdAfterCloseSec: 300 }
  })
  const assigned = async (user: string): Promise<string> => {
    const id = await inbound(ch, user)
    await until('assigned', () => conversation(id), c => c.assigneeId === agent.id)
    return id
  }
  const silent = await assigned('auto-1')
  const talkative = await assigned('auto-2')
  const pinned = await assigned('auto-3')
  const startedAt = Date.now()
  for (const id of [silent, talkative, pinned]) t.equal((await agent.query(REPLY, { id, body: 'How can I help?' })).errors, undefined)
  await sql("update conversations set pinned_until = now() + interval '2 seconds' where id = ?", [pinned])
  await sleep(250)
  await inbound(ch, 'auto-2', undefined, 'Let me check…')

  const closed = await until('silent one auto-closed', () => conversation(silent), c => c.status === 'closed', 5000)
  t.ok(Date.now() - startedAt >= 3 * minuteMs, 'not before the time')
  t.equal(closed.status, 'closed', 'no hold after an auto-close')
  const [{ close_reason: reason }] = await sql('select close_reason from conversations where id = ?', [silent])
  t.equal(reason, 'autoClose')
  const texts = await receivedAtLeast('auto-1', 2)
  t.same(texts.filter(x => x !== 'How can I help?'), [render('autoClose', 'en', {})], 'the auto-close message, not the closing text')

  t.equal((await conversation(pinned)).status, 'assigned', 'pinned: still open after the silence time')
  await until('closed once the pin expired', () => conversation(pinned), c => c.status === 'closed', 6000)
  t.ok(Date.now() - startedAt >= 1900, 'not before the pin ended')
  t.equal((await conversation(talkative)).status, 'assigned', 'the client wrote: no auto-close')

  // The agent answers the client: the silence counts again from that reply.
  await agent.query(REPLY, { id: talkative, body: 'Done!' })
  await until('closed after the new silence', () => conversation(talkative), c => c.status === 'closed', 5000)
  await sleep(400)
  for (const user of ['auto-1', 'auto-2', 'auto-3']) t.equal(received(user).filter(x => x === render('autoClose', 'en', {})).length, 1, `${user}: one auto-close message`)
})

t.test('no answer in time: automatic message and the unanswered mark (E3, E4)', async (t) => {
  const ch = await channel('No answer', { automaticActions: { markUnansweredAfterMin: 2, noAnswer: { enabled: true, afterMin: 1, text: 'Still there, {{clientName}}? We are on it.' } } })
  const waiting = await inbound(ch, 'late-1', 'Olga')
  const updates = await admin.subscribe('subscription ($id: ID) { conversationUpdated(conversationId: $id) { id unanswered } }', { id: waiting })
  t.equal((await conversation(waiting)).unanswered, false)
  t.same(await receivedAtLeast('late-1', 1), ['Still there, Olga? We are on it.'])
  await until('marked unanswered', () => conversation(waiting), c => c.unanswered === true)
  let pushed = await updates.next(3000)
  while (pushed.data?.conversationUpdated.unanswered !== true) pushed = await updates.next(3000)
  t.same(pushed.data?.conversationUpdated, { id: waiting, unanswered: true }, 'the mark is pushed to agents')
  updates.close()
  await admin.query(REPLY, { id: waiting, body: 'Sorry for the wait!' })
  await until('the reply clears the mark', () => conversation(waiting), c => c.unanswered === false)

  const quick = await channel('Quick answer', { automaticActions: { markUnansweredAfterMin: 3, noAnswer: { enabled: true, afterMin: 3 } } })
  const answered = await inbound(quick, 'late-2')
  await admin.query(REPLY, { id: answered, body: 'Right here.' })
  await sleep(3 * minuteMs + 600)
  t.same(received('late-2'), ['Right here.'], 'answered in time: no automatic message')
  t.equal((await conversation(answered)).unanswered, false)
  await sleep(300)
  t.equal(received('late-1').filter(x => x.startsWith('Still there')).length, 1, 'the no-answer text once')
  const [{ n }] = await sql<{ n: number }>("select count(*)::int as n from timers where key like 'automation:%' and conversation_id = ? and fired_at is null and cancelled_at is null", [answered])
  t.equal(n, 0, 'the reply cancelled both timers')
})

t.test('out of hours: one reply per conversation, and no waiting text on top (C2)', async (t) => {
  // Open one hour a day, at an hour far from now: closed now.
  const hour = new Date().getUTCHours() < 12 ? '20' : '02'
  const day = [{ from: `${hour}:00`, to: `${hour}:30` }]
  const workingHours = { enabled: true, timezone: 'UTC', week: { mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: day }, daysOff: [], outOfHours: { reply: true } }
  const ch = await channel('Fechado', { workingHours, queue: { strategy: 'fixture-first', members: [] }, automaticActions: { noAgents: { enabled: true } } }, 'pt-BR')
  const id = await inbound(ch, 'ooh-1')
  await inbound(ch, 'ooh-1', undefined, 'Alô?')
  await inbound(ch, 'ooh-1', undefined, 'Alguém aí?')
  const description = describeHours(normalizeWorkingHours(workingHours), 'pt-BR')
  t.same(await receivedAtLeast('ooh-1', 1), [render('outOfHours', 'pt-BR', { workingHours: description })])
  t.match(received('ooh-1')[0], new RegExp(`nosso horário é ${description}\\.`))
  await until('waits', () => conversation(id), c => c.waitingReason === 'noMembers')
  await sleep(500)
  t.equal(received('ooh-1').length, 1, 'once, and the waiting text is left out')
})

t.test('consent notice at the start and its recording (D1)', async (t) => {
  const ch = await channel('Consent', { consent: { enabled: true, textVersion: 'v7' }, automaticActions: { greeting: { enabled: true, when: 'everyConversation' } } })
  const first = await inbound(ch, 'consent-1', 'Ana')
  await receivedAtLeast('consent-1', 2)
  t.same((await systemTexts(first)).map(m => m.action), ['greeting', 'consentNotice'], 'greeting, then the notice')
  t.equal((await systemTexts(first))[1].body, render('consentNotice', 'en', { channelName: 'Consent', textVersion: 'v7', clientName: 'Ana' }))

  const recorded = await admin.query('mutation ($c: ID!, $v: String!) { recordClientConsent(conversationId: $c, textVersion: $v) { clientId openChannelId textVersion acceptedAt source } }', { c: first, v: 'v7' })
  t.equal(recorded.errors, undefined, JSON.stringify(recorded.errors))
  const [{ client_id: clientId }] = await sql('select client_id::text from conversations where id = ?', [first])
  t.match(recorded.data.recordClientConsent, { clientId, openChannelId: ch.id, textVersion: 'v7', source: 'agent' })
  const listed = await admin.query('query ($id: ID!) { clientConsents(clientId: $id) { textVersion } }', { id: clientId })
  t.same(listed.data.clientConsents, [{ textVersion: 'v7' }])
  const bad = await admin.query('mutation ($c: ID!, $v: String!) { recordClientConsent(conversationId: $c, textVersion: $v) { clientId } }', { c: first, v: '' })
  t.equal(bad.errors?.[0].extensions?.code, 'OL_VALIDATION')
  const missing = await admin.query('mutation ($c: ID!, $v: String!) { recordClientConsent(conversationId: $c, textVersion: $v) { clientId } }', { c: '999999999', v: 'v7' })
  t.equal(missing.errors?.[0].extensions?.code, 'OL_NOT_FOUND')
  t.equal((await h.agent().query('mutation { recordClientConsent(conversationId: "1", textVersion: "v7") { clientId } }')).errors?.[0].extensions?.code, 'OL_UNAUTHENTICATED')

  // firstContact: not again for this client (and not once accepted); another client gets it.
  await admin.query(CLOSE, { id: first })
  const again = await inbound(ch, 'consent-1', 'Ana')
  const other = await inbound(ch, 'consent-2')
  await receivedAtLeast('consent-1', 3)
  await receivedAtLeast('consent-2', 2)
  await sleep(400)
  t.same((await systemTexts(again)).map(m => m.action), ['greeting'], 'asked once per client and version')
  t.same((await systemTexts(other)).map(m => m.action), ['greeting', 'consentNotice'])

  // everyConversation: at every new conversation.
  await admin.query(UPDATE, { id: ch.id, group: 'consent', values: { enabled: true, textVersion: 'v7', askAt: 'everyConversation', text: { en: 'Data notice {{textVersion}} for {{channelName}}' } } })
  await admin.query(CLOSE, { id: other })
  const third = await inbound(ch, 'consent-2')
  await receivedAtLeast('consent-2', 4)
  t.same((await systemTexts(third)).map(m => m.body), [render('greeting', 'en', { channelName: 'Consent' }), 'Data notice v7 for Consent'])
})

t.test('every timer fires once across a restart, even with its Redis jobs lost (durable timers)', async (t) => {
  const agent = await h.createAgent()
  const ch = await channel('Durable', {
    queue: { strategy: 'fixture-first', members: [{ userId: agent.id }], checkAvailability: false },
    automaticActions: { markUnansweredAfterMin: 25, noAnswer: { enabled: true, afterMin: 25 }, autoClose: { enabled: true, afterMin: 25, message: { enabled: true } } }
  })
  const unanswered = await inbound(ch, 'durable-1')
  const silent = await inbound(ch, 'durable-2')
  await until('assigned', () => conversation(silent), c => c.assigneeId === agent.id)
  await agent.query(REPLY, { id: silent, body: 'Anything else?' })
  await until('timers pending', () => sql("select key from timers where key like 'automation:%' and conversation_id in (?, ?) and fired_at is null and cancelled_at is null", [unanswered, silent]),
    rows => rows.length === 3)

  const due = Date.now() + 25 * minuteMs
  // The delayed jobs that would trigger the timers are lost with Redis's keys; the rows remain.
  t.ok(await clearRedisPrefix(h.config.redisUrl, h.config.redisPrefix) > 0)
  await h.restart()
  t.ok(Date.now() < due, 'restarted before the timers were due')

  await until('unanswered after the restart', () => conversation(unanswered), c => c.unanswered === true, 10_000)
  await until('auto-closed after the restart', () => conversation(silent), c => c.status === 'closed', 10_000)
  await receivedAtLeast('durable-1', 1, 10_000)
  await sleep(1000)
  const rows = await sql<{ key: string, fired: number, pending: number }>(
    `select key, count(*) filter (where fired_at is not null)::int as fired, count(*) filter (where fired_at is null and cancelled_at is null)::int as pending
       from timers where key like 'automation:%' and conversation_id in (?, ?) group by key order by key`, [unanswered, silent])
  t.same(rows, [
    { key: `automation:autoClose:${silent}`, fired: 1, pending: 0 },
    { key: `automation:noAnswer:${silent}`, fired: 0, pending: 0 },
    { key: `automation:noAnswer:${unanswered}`, fired: 1, pending: 0 },
    { key: `automation:unanswered:${silent}`, fired: 0, pending: 0 },
    { key: `automation:unanswered:${unanswered}`, fired: 1, pending: 0 }
  ].sort((a, b) => a.key < b.key ? -1 : 1), 'each fired exactly once; the answered one\'s were cancelled')
  t.equal(received('durable-1').filter(x => x === render('noAnswer', 'en', {})).length, 1, 'no-answer text once')
  t.equal(received('durable-2').filter(x => x === render('autoClose', 'en', {})).length, 1, 'auto-close text once')
})
