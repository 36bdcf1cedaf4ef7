import t from 'tap'
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { definePlugin } from '@openline/sdk'
import { buildTestApp, testConnectorPlugin, sign, type TestApp } from '@openline/testing'

// Issue #2: the agent API refuses abusive documents (depth, aliases, cost, batches), CSRF and
// floods; introspection and GraphiQL are off in production; errors carry codes, and internal
// ones are masked in production; every response has a request id; /metrics speaks Prometheus.

const productionConfig = { environment: 'production' as const, secretKey: randomBytes(32).toString('base64url') }
const limits = { maxDepth: 5, maxAliases: 4, maxCost: 100 }

/** A plugin whose resolver and route fail the way a bug would. */
const faulty = definePlugin({
  name: 'faulty',
  version: '1.0.0',
  core: '^0.1.0',
  graphql: {
    agent: () => ({
      typeDefs: 'extend type Query { hardeningBoom: String, hardeningNull: String! }',
      resolvers: {
        Query: {
          hardeningBoom: () => { throw new Error('connection to db-internal.local:5432 failed: password hunter2') },
          // A bug of another kind: null for a non-null field.
          hardeningNull: () => null
        }
      }
    })
  },
  routes (app) {
    app.get('/boom', async () => { throw new Error('stack of db-internal.local with hunter2') })
  }
})

let h: TestApp
let token: string

t.before(async () => {
  h = await buildTestApp({ plugins: [testConnectorPlugin, faulty], config: { graphql: limits } })
  token = (await h.login(h.admin.email, h.admin.password)).token as string
})
t.teardown(() => h?.close())

interface Raw { status: number, headers: Headers, body: any }

async function post (app: TestApp, body: unknown, headers: Record<string, string> = {}): Promise<Raw> {
  const res = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body)
  })
  const text = await res.text()
  let parsed: unknown = text
  try { parsed = JSON.parse(text) } catch {}
  return { status: res.status, headers: res.headers, body: parsed }
}

const codeOf = (r: Raw): string | undefined => r.body?.errors?.[0]?.extensions?.code

t.test('query depth is limited', async (t) => {
  const atLimit = await post(h, { query: '{ openChannels { connections { openChannel { connections { id } } } } }' })
  t.same(atLimit.body, { data: { openChannels: [] } }, `depth ${limits.maxDepth} is fine`)
  const deep = await post(h, { query: '{ openChannels { connections { openChannel { connections { openChannel { id } } } } } }' })
  t.equal(deep.status, 400)
  t.equal(codeOf(deep), 'OL_GRAPHQL_VALIDATION')
  t.match(deep.body.errors[0].message, /depth/)
  t.equal(deep.body.data ?? null, null)
})

t.test('aliases are limited', async (t) => {
  const ok = await post(h, { query: '{ a: version b: version c: version d: version }' })
  t.same(ok.body, { data: { a: 'openline 0.1.0', b: 'openline 0.1.0', c: 'openline 0.1.0', d: 'openline 0.1.0' } })
  const many = await post(h, { query: '{ a: version b: version c: version d: version e: version }' })
  t.equal(many.status, 400)
  t.equal(codeOf(many), 'OL_GRAPHQL_VALIDATION')
  t.match(many.body.errors[0].message, /[Aa]liases/)
})

t.test('query cost is limited', async (t) => {
  // Within the depth and alias limits, but wide: each level multiplies its children's cost by 1.5.
  const channel = 'id name active language queueStrategy queueSettings chatbot chatbotSettings crmForm crmFormSettings settings createdAt updatedAt'
  const connection = 'id connector externalAccountId status settings hasSecrets createdAt updatedAt'
  const cheap = await post(h, { query: `{ openChannels { ${channel} connections { ${connection} } } }` })
  t.same(cheap.body, { data: { openChannels: [] } }, 'a normal screenful is fine')
  const wide = await post(h, { query: `{ openChannels { ${channel} connections { ${connection} openChannel { ${channel} connections { ${connection} } } } } }` })
  t.equal(wide.status, 400)
  t.equal(codeOf(wide), 'OL_GRAPHQL_VALIDATION')
  t.match(wide.body.errors[0].message, /[Cc]ost/)
  // Page sizes count: `first` multiplies the cost of what it returns.
  const page = await post(h, { query: '{ conversations(first: 5) { nodes { id } } }' })
  t.same(page.body, { data: { conversations: { nodes: [] } } }, 'a small page is fine')
  const bigPage = await post(h, { query: '{ conversations(first: 100) { nodes { id } } }' })
  t.equal(bigPage.status, 400)
  t.match(bigPage.body.errors[0].message, /[Cc]ost/)
})

t.test('other malformed documents are the client\'s fault, not internal errors', async (t) => {
  const unknownField = await post(h, { query: '{ nope }' })
  t.equal(unknownField.status, 400)
  t.equal(codeOf(unknownField), 'OL_GRAPHQL_VALIDATION')
  t.match(unknownField.body.errors[0].message, /Cannot query field "nope"/)
  const syntax = await post(h, { query: '{ version ' })
  t.equal(syntax.status, 400)
  t.equal(codeOf(syntax), 'OL_GRAPHQL_VALIDATION')
  t.match(syntax.body.errors[0].message, /Syntax Error/)
  const missingVariable = await post(h, { query: 'query ($id: ID!) { openChannel(id: $id) { id } }' })
  t.equal(missingVariable.status, 400)
  t.equal(codeOf(missingVariable), 'OL_GRAPHQL_VALIDATION')
  const badJson = await post(h, '{"query": "{ version }"')
  t.equal(badJson.status, 400)
  t.equal(codeOf(badJson), 'OL_BAD_REQUEST')
  const noQuery = await post(h, { variables: {} })
  t.equal(noQuery.status, 400)
  t.equal(codeOf(noQuery), 'OL_BAD_REQUEST')
})

t.test('batched queries are refused', async (t) => {
  const batch = await post(h, [{ query: '{ version }' }, { query: '{ me { id } }' }])
  t.equal(batch.status, 400)
  t.equal(codeOf(batch), 'OL_GRAPHQL_BATCH')
  t.notOk(JSON.stringify(batch.body).includes('openline 0.1.0'), 'nothing was executed')
})

t.test('coded validation errors on bad mutation input', async (t) => {
  const res = await post(h, { query: 'mutation ($i: CreateOpenChannelInput!) { createOpenChannel(input: $i) { id } }', variables: { i: { name: '', language: 'xx' } } })
  t.equal(res.status, 200, 'executed: GraphQL-over-HTTP keeps 200 for resolver errors')
  t.equal(res.body.data, null)
  t.equal(codeOf(res), 'OL_VALIDATION')
  const paths = res.body.errors[0].extensions.fields.map((f: { path: string }) => f.path)
  t.ok(paths.includes('/name'), JSON.stringify(paths))
  const anonymous = await post(h, { query: '{ openChannels { id } }' }, { authorization: '' })
  t.equal(codeOf(anonymous), 'OL_UNAUTHENTICATED')
})

t.test('introspection and GraphiQL are on outside production', async (t) => {
  const res = await post(h, { query: '{ __schema { queryType { name } } }' })
  t.same(res.body, { data: { __schema: { queryType: { name: 'Query' } } } })
  t.equal((await fetch(`${h.url}/graphiql`)).status, 200)
})

t.test('internal errors keep their message outside production', async (t) => {
  const res = await post(h, { query: '{ hardeningBoom }' })
  t.equal(res.status, 200)
  t.equal(codeOf(res), 'OL_INTERNAL')
  t.match(res.body.errors[0].message, /hunter2/)
  t.same(res.body.errors[0].path, ['hardeningBoom'])
  const nonNull = await post(h, { query: '{ version hardeningNull }' })
  t.equal(nonNull.status, 200)
  t.equal(codeOf(nonNull), 'OL_INTERNAL', 'null for a non-null field is a server bug, not a client error')
  t.match(nonNull.body.errors[0].message, /non-nullable/)
})

t.test('CSRF: simple requests are refused, JSON and websockets work', async (t) => {
  const textPlain = await post(h, JSON.stringify({ query: 'mutation { ping }' }), { 'content-type': 'text/plain' })
  t.equal(textPlain.status, 400)
  t.equal(codeOf(textPlain), 'OL_CSRF')
  const form = await post(h, 'query=%7B%20version%20%7D', { 'content-type': 'application/x-www-form-urlencoded' })
  t.equal(form.status, 400)
  t.equal(codeOf(form), 'OL_CSRF')
  const noType = await fetch(`${h.url}/graphql`, { method: 'POST', body: new Blob(['{"query":"{ version }"}']) })
  t.equal(noType.status, 400, 'no content type at all')
  const get = await fetch(`${h.url}/graphql?query=${encodeURIComponent('{ version }')}`)
  t.equal(get.status, 400)
  t.equal((await get.json() as any).errors[0].extensions.code, 'OL_CSRF')
  const getWithHeader = await fetch(`${h.url}/graphql?query=${encodeURIComponent('{ version }')}`, { headers: { 'x-openline-csrf': '1' } })
  t.equal(getWithHeader.status, 200)
  t.same(await getWithHeader.json(), { data: { version: 'openline 0.1.0' } })
  const json = await post(h, { query: 'mutation { ping }' })
  t.same(json.body, { data: { ping: true } })

  // The websocket upgrade carries no content type and still works.
  const admin = h.agent(token)
  const oc = await admin.query('mutation { createOpenChannel(input: { name: "CSRF" }) { id } }')
  const secret = 'csrf-secret-123'
  const conn = await admin.query('mutation ($i: ConnectChannelInput!) { connectChannel(input: $i) { id } }', {
    i: { openChannelId: oc.data.createOpenChannel.id, connector: 'test', externalAccountId: 'bot-csrf', settings: { secret, apiBaseUrl: 'http://127.0.0.1:9' } }
  })
  t.equal(conn.errors, undefined, JSON.stringify(conn.errors))
  const sub = await admin.subscribe('subscription { messageAdded { body } }')
  const raw = JSON.stringify({ userId: 'u-ws', messageId: 'ws-1', text: 'over the socket' })
  const hook = await fetch(`${h.url}/plugins/test-connector/webhook/${conn.data.connectChannel.id}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test-signature': sign(secret, raw) }, body: raw })
  t.equal(hook.status, 200)
  t.same((await sub.next()).data, { messageAdded: { body: 'over the socket' } })
  sub.close()
})

t.test('request ids: echoed when sane, generated otherwise', async (t) => {
  const given = await post(h, { query: '{ version }' }, { 'x-request-id': 'trace-abc-123' })
  t.equal(given.headers.get('x-request-id'), 'trace-abc-123')
  const generated = await post(h, { query: '{ version }' })
  t.match(generated.headers.get('x-request-id'), /^[0-9a-f-]{36}$/)
  const other = await post(h, { query: '{ version }' })
  t.not(other.headers.get('x-request-id'), generated.headers.get('x-request-id'))
  const junk = await post(h, { query: '{ version }' }, { 'x-request-id': 'x'.repeat(500) })
  t.match(junk.headers.get('x-request-id'), /^[0-9a-f-]{36}$/, 'an oversized id is replaced')
  const notFound = await fetch(`${h.url}/no-such-route`, { headers: { 'x-request-id': 'trace-404' } })
  t.equal(notFound.status, 404)
  t.equal(notFound.headers.get('x-request-id'), 'trace-404', 'on errors too')
  const csrf = await fetch(`${h.url}/graphql?query=%7Bversion%7D`, { headers: { 'x-request-id': 'trace-csrf' } })
  t.equal(csrf.headers.get('x-request-id'), 'trace-csrf')
})

t.test('/metrics speaks Prometheus and counts inbound messages', async (t) => {
  const res = await fetch(`${h.url}/metrics`)
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /^text\/plain/)
  const text = await res.text()
  t.match(text, /# TYPE openline_inbound_messages_total counter/)
  t.match(text, /^openline_inbound_messages_total\{result="stored"\} [1-9]/m, 'the websocket test stored one message')
  t.match(text, /openline_http_request_duration_seconds_bucket/)
  t.match(text, /openline_process_cpu/)
})

t.test('production: no introspection, no GraphiQL, masked internal errors', async (t) => {
  const p = await buildTestApp({ plugins: [faulty], config: productionConfig })
  t.teardown(() => p.close())
  const admin = await p.login(p.admin.email, p.admin.password)
  const introspection = await post(p, { query: '{ __schema { types { name } } }' }, { authorization: `Bearer ${admin.token}` })
  t.equal(introspection.status, 400)
  t.equal(codeOf(introspection), 'OL_GRAPHQL_VALIDATION')
  t.match(introspection.body.errors[0].message, /introspection/i)
  const type = await post(p, { query: '{ __type(name: "User") { fields { name } } }' }, { authorization: `Bearer ${admin.token}` })
  t.equal(codeOf(type), 'OL_GRAPHQL_VALIDATION')
  t.same((await post(p, { query: '{ __typename }' })).body, { data: { __typename: 'Query' } }, '__typename is not introspection')
  t.equal((await fetch(`${p.url}/graphiql`)).status, 404)

  const boom = await post(p, { query: '{ hardeningBoom }' }, { authorization: `Bearer ${admin.token}` })
  t.equal(codeOf(boom), 'OL_INTERNAL')
  t.equal(boom.body.errors[0].message, 'Internal error')
  t.notMatch(JSON.stringify(boom.body), /hunter2|db-internal|stack/)
  const nonNull = await post(p, { query: '{ hardeningNull }' }, { authorization: `Bearer ${admin.token}` })
  t.equal(codeOf(nonNull), 'OL_INTERNAL')
  t.equal(nonNull.body.errors[0].message, 'Internal error')
  const route = await fetch(`${p.url}/plugins/faulty/boom`, { headers: { 'x-request-id': 'trace-boom' } })
  t.equal(route.status, 500)
  const routeBody = await route.json() as Record<string, unknown>
  t.equal(routeBody.message, 'Internal error')
  t.equal(routeBody.requestId, 'trace-boom', 'the request id to quote when reporting it')
  t.notMatch(JSON.stringify(routeBody), /hunter2|db-internal/)
  // Coded errors are still told as they are.
  const bad = await post(p, { query: 'mutation { createOpenChannel(input: { name: "" }) { id } }' }, { authorization: `Bearer ${admin.token}` })
  t.equal(codeOf(bad), 'OL_VALIDATION')
  t.same(bad.body.errors[0].extensions.fields.map((f: any) => f.path), ['/name'])
})

t.test('rate limiting: the 6th request in the window gets 429, counted in Redis under the prefix', async (t) => {
  const r = await buildTestApp({ config: { rateLimit: { max: 5, timeWindowMs: 60_000 } } })
  t.teardown(() => r.close())
  const statuses: number[] = []
  let last: Raw | undefined
  for (let i = 0; i < 6; i++) {
    last = await post(r, { query: '{ version }' }, { authorization: '' })
    statuses.push(last.status)
  }
  t.same(statuses, [200, 200, 200, 200, 200, 429])
  t.equal(codeOf(last as Raw), 'OL_RATE_LIMITED')
  t.ok(Number((last as Raw).headers.get('retry-after')) > 0, 'retry-after is set')
  t.equal((last as Raw).headers.get('x-ratelimit-limit'), '5')
  const metrics = await fetch(`${r.url}/metrics`)
  t.equal(metrics.status, 429, 'every route shares the limit')
  t.match(await metrics.json(), { error: 'OL_RATE_LIMITED' })
  t.equal((await fetch(`${r.url}/health/live`)).status, 200, 'health checks are exempt')

  const redis = new Redis(r.config.redisUrl)
  t.teardown(() => redis.disconnect())
  const keys = await redis.keys(`${r.config.redisPrefix}rl:*`)
  t.ok(keys.length > 0, `rate-limit keys under ${r.config.redisPrefix}rl:`)
  t.ok(keys.every(k => k.startsWith(r.config.redisPrefix)))
  t.ok(await redis.pttl(keys[0]) > 0, 'the window expires')
})

t.test('rate limiting cannot be dodged with a forged X-Forwarded-For', async (t) => {
  // This app trusts no proxy: the forwarded address is the client's own claim.
  const r = await buildTestApp({ config: { rateLimit: { max: 3, timeWindowMs: 60_000 }, trustProxy: false } })
  t.teardown(() => r.close())
  const statuses: number[] = []
  for (let i = 0; i < 4; i++) statuses.push((await post(r, { query: '{ version }' }, { authorization: '', 'x-forwarded-for': `203.0.113.${i + 1}` })).status)
  t.same(statuses, [200, 200, 200, 429])
})
