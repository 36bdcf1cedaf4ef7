import t from 'tap'
import { buildTestApp, startRedisServer, type TestApp, type RedisServer } from '@openline/testing'

// The core boots and serves the agent API with no plugin at all (DESIGN: core tests run with no
// first-party plugin), and its readiness check tells PostgreSQL and Redis apart.

let h: TestApp
t.before(async () => {
  h = await buildTestApp()
})
t.teardown(() => h?.close())

t.test('no plugin is loaded and every registry is empty', async (t) => {
  for (const [kind, map] of Object.entries(h.core.registry)) t.equal(map.size, 0, `${kind} is empty`)
})

t.test('an admin signs in and uses the agent API', async (t) => {
  const anonymous = await h.agent().query('{ me { id } }')
  t.same(anonymous, { data: { me: null } }, 'me is null without a token')
  const admin = await h.login(h.admin.email, h.admin.password)
  const me = await admin.query('{ me { id email } }')
  t.same(me, { data: { me: { id: h.admin.id, email: h.admin.email } } })
  t.same(await admin.query('{ openChannels { id } }'), { data: { openChannels: [] } })
  t.same(await admin.query('{ connectors { id } }'), { data: { connectors: [] } })
  const groups = await admin.query('{ settingsGroups { id choices { id } } }')
  t.same(groups.data.settingsGroups, [
    { id: 'queue', choices: [] }, { id: 'chatbots', choices: [] }, { id: 'crmForm', choices: [] }, { id: 'other', choices: [] }
  ], 'only the core groups, with nothing to choose')
  const created = await admin.query('mutation { createOpenChannel(input: { name: "Core only" }) { id name active } }')
  t.match(created, { data: { createOpenChannel: { name: 'Core only', active: true } } })
  t.same((await admin.query('{ openChannels { name } }')).data.openChannels, [{ name: 'Core only' }])
  const strategy = await admin.query('mutation ($id: ID!) { updateOpenChannelSettings(id: $id, group: "queue", values: { strategy: "round-robin" }) { id } }', { id: created.data.createOpenChannel.id })
  t.equal(strategy.errors?.[0]?.extensions?.code, 'OL_VALIDATION', 'no plugin: no queue strategy to choose')
  t.same(await admin.query('mutation { ping }'), { data: { ping: true } })
})

t.test('health checks', async (t) => {
  const live = await fetch(`${h.url}/health/live`)
  t.equal(live.status, 200)
  t.same(await live.json(), { status: 'ok' })
  const ready = await fetch(`${h.url}/health/ready`)
  t.equal(ready.status, 200)
  t.same(await ready.json(), { status: 'ready', checks: { postgres: 'ok', redis: 'ok' } })
})

t.test('readiness fails while Redis is down and recovers when it is back', async (t) => {
  const redis: RedisServer = await startRedisServer()
  t.teardown(() => redis.stop())
  const r = await buildTestApp({ config: { redisUrl: redis.url } })
  t.teardown(() => r.close())
  const admin = await r.login(r.admin.email, r.admin.password)
  t.equal((await fetch(`${r.url}/health/ready`)).status, 200)

  await redis.stop()
  const down = await fetch(`${r.url}/health/ready`)
  t.equal(down.status, 503)
  const body = await down.json() as { status: string, checks: Record<string, string> }
  t.equal(body.status, 'unavailable')
  t.equal(body.checks.postgres, 'ok')
  t.not(body.checks.redis, 'ok')
  t.equal((await fetch(`${r.url}/health/live`)).status, 200, 'still alive: a restart would not help')
  // Redis is not the only copy of anything: the API still answers from PostgreSQL.
  t.same(await admin.query('{ me { email } }'), { data: { me: { email: r.admin.email } } })

  await redis.start()
  const deadline = Date.now() + 10_000
  let status = 0
  while (Date.now() < deadline) {
    status = (await fetch(`${r.url}/health/ready`)).status
    if (status === 200) break
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  t.equal(status, 200, 'ready again once Redis answers')
})
