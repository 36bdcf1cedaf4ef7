import t from 'tap'
import { Type, definePlugin, errorCodes, type PluginDefinition, type QueueStrategy, type ChannelConnector } from '@openline/sdk'
import { buildTestApp, type TestApp } from '@openline/testing'
import { orderPlugins, collectRegistry } from '../src/plugins/loader.ts'
import { coreVersion } from '../src/version.ts'

// Issue #2: the plugin loader refuses bad plugins at boot with stable codes, orders plugins by
// their dependencies, freezes the registries and keeps plugin routes under /plugins/<name>/.

const base = { version: '1.0.0', core: '^0.1.0' }
const plugin = (name: string, extra: Partial<PluginDefinition<any>> = {}): PluginDefinition<any> => definePlugin({ name, ...base, ...extra })
const entry = (definition: PluginDefinition<any>, options?: unknown): { definition: PluginDefinition<any>, options?: unknown } => ({ definition, options })
const order = (...defs: PluginDefinition<any>[]): string[] => orderPlugins(defs.map(d => entry(d)), coreVersion).map(p => p.definition.name)

const strategy = (id: string): QueueStrategy => ({ id, title: id, settingsSchema: Type.Object({}), offer: () => ({ agents: [], exclusive: true }) })
const connector = (id: string): ChannelConnector => ({
  id, title: id, settingsSchema: Type.Object({}), capabilities: { typing: false, edits: false, deletes: false, attachments: false, buttons: false },
  send: async () => ({})
})

type Asserter = Pick<typeof t, 'throws'>

/** Run `fn`, expect an OpenlineError with `code` whose message matches `message`. */
function throwsCode (t: Asserter, fn: () => unknown, code: string, message?: RegExp): void {
  t.throws(fn, message === undefined ? { code } : { code, message }, code)
}

t.test('the core version satisfies its own plugins', async (t) => {
  t.equal(coreVersion, '0.1.0')
})

t.test('unknown hook names fail', async (t) => {
  throwsCode(t, () => order(plugin('typo', { hooks: { 'message.beforeSave': async () => {} } as any })), errorCodes.unknownHook, /typo.*message\.beforeSave/)
  t.equal(errorCodes.unknownHook, 'OL_PLUGIN_UNKNOWN_HOOK')
  t.same(order(plugin('fine', { hooks: { 'message.beforeStore': async () => {} } })), ['fine'])
  throwsCode(t, () => order(plugin('not-fn', { hooks: { 'message.beforeStore': 'nope' } as any })), errorCodes.pluginShape, /not-fn.*message\.beforeStore/)
})

t.test('dependencies: missing, cyclic, self, and order', async (t) => {
  throwsCode(t, () => order(plugin('a', { dependsOn: ['b'] })), errorCodes.pluginMissingDependency, /a depends on b/)
  throwsCode(t, () => order(plugin('a', { dependsOn: ['b'] }), plugin('b', { dependsOn: ['c'] }), plugin('c', { dependsOn: ['a'] })), errorCodes.pluginCyclicDependency, /a -> b -> c -> a/)
  throwsCode(t, () => order(plugin('selfish', { dependsOn: ['selfish'] })), errorCodes.pluginCyclicDependency)
  throwsCode(t, () => order(plugin('str-deps', { dependsOn: 'other' as any }), plugin('other')), errorCodes.pluginShape, /str-deps.*dependsOn/)
  // Listed backwards; dependencies come first, independent plugins keep their listed order.
  t.same(order(plugin('c', { dependsOn: ['b'] }), plugin('x'), plugin('b', { dependsOn: ['a'] }), plugin('a')), ['a', 'b', 'c', 'x'])
  t.same(order(plugin('d', { dependsOn: ['b', 'c'] }), plugin('c', { dependsOn: ['a'] }), plugin('b', { dependsOn: ['a'] }), plugin('a')), ['a', 'b', 'c', 'd'])
})

t.test('a plugin listed twice fails', async (t) => {
  throwsCode(t, () => order(plugin('twice'), plugin('twice', { version: '2.0.0' })), errorCodes.pluginDuplicate, /twice/)
})

t.test('options are validated against the plugin schema, with defaults', async (t) => {
  const def = plugin('opts', { options: Type.Object({ apiUrl: Type.String({ pattern: '^https://' }), retries: Type.Integer({ minimum: 0, default: 3 }) }) })
  t.throws(() => orderPlugins([entry(def, { apiUrl: 'http://plain', retries: -1 })], coreVersion), {
    code: errorCodes.pluginOptions,
    message: /opts.*\/apiUrl.*\/retries/,
    fields: [{ path: '/apiUrl' }, { path: '/retries' }]
  })
  t.throws(() => orderPlugins([entry(def)], coreVersion), { code: errorCodes.pluginOptions, message: /opts.*\/apiUrl/ }, 'a required option missing')
  const [loaded] = orderPlugins([entry(def, { apiUrl: 'https://crm.example' })], coreVersion)
  t.same(loaded.options, { apiUrl: 'https://crm.example', retries: 3 })
  const given = { apiUrl: 'https://crm.example' }
  orderPlugins([entry(def, given)], coreVersion)
  t.same(given, { apiUrl: 'https://crm.example' }, 'the caller\'s options object is not changed')
})

t.test('core semver range', async (t) => {
  throwsCode(t, () => order(plugin('future', { core: '^1.0.0' })), errorCodes.pluginCoreRange, /future.*\^1\.0\.0.*0\.1\.0/)
  throwsCode(t, () => order(plugin('past', { core: '<0.1.0' })), errorCodes.pluginCoreRange)
  throwsCode(t, () => order(plugin('garbage', { core: 'whenever' })), errorCodes.pluginShape, /garbage/)
  t.same(order(plugin('range', { core: '>=0.1.0 <0.2.0' })), ['range'])
})

t.test('bad shapes fail with OL_PLUGIN_SHAPE', async (t) => {
  const shape = errorCodes.pluginShape
  throwsCode(t, () => orderPlugins([entry(null as any)], coreVersion), shape)
  throwsCode(t, () => orderPlugins([entry('plugin' as any)], coreVersion), shape)
  throwsCode(t, () => order(plugin('Bad_Name')), shape, /Bad_Name/)
  throwsCode(t, () => order(plugin('no-version', { version: 'one' })), shape, /no-version.*version/)
  throwsCode(t, () => order(plugin('bad-setup', { setup: 'run me' as any })), shape, /bad-setup.*setup/)
  throwsCode(t, () => order(plugin('bad-routes', { routes: {} as any })), shape, /bad-routes.*routes/)
  throwsCode(t, () => order(plugin('bad-on', { on: [{ event: { name: 'message.received' } } as any] })), shape, /bad-on/)
  throwsCode(t, () => order(plugin('bad-job', { jobs: { run: 'later' } as any })), shape, /bad-job.*run/)
  throwsCode(t, () => order(plugin('bad-graphql', { graphql: { agent: { typeDefs: '' } } as any })), shape, /bad-graphql.*graphql/)
  // A misspelt key would otherwise be ignored without a word.
  throwsCode(t, () => order(plugin('typo-key', { hook: {} } as any)), shape, /typo-key.*hook/)
  throwsCode(t, () => order(plugin('typo-provides', { provides: { connectors: [connector('x')] } as any })), shape, /typo-provides.*connectors/)
})

t.test('registries: duplicate ids and malformed strategies', async (t) => {
  const a = plugin('queue-a', { provides: { queueStrategies: [strategy('round-robin')] } })
  const b = plugin('queue-b', { provides: { queueStrategies: [strategy('round-robin')] } })
  throwsCode(t, () => collectRegistry(orderPlugins([entry(a), entry(b)], coreVersion)), errorCodes.duplicateStrategy, /round-robin.*queue-a.*queue-b/)
  throwsCode(t, () => collectRegistry(orderPlugins([entry(plugin('self-dup', { provides: { channels: [connector('c'), connector('c')] } }))], coreVersion)), errorCodes.duplicateStrategy)
  // The same id in different kinds is fine: they are separate registries.
  const mixed = collectRegistry(orderPlugins([entry(plugin('mixed', { provides: { channels: [connector('same')], queueStrategies: [strategy('same')] } }))], coreVersion))
  t.ok(mixed.connectors.has('same'))
  t.ok(mixed.queueStrategies.has('same'))
  t.equal(mixed.owner.get('queueStrategies:same'), 'mixed')
  // A plugin cannot take over a settings group the core owns.
  const shadow = plugin('shadow', { provides: { settingsGroups: [{ id: 'queue', title: 'Mine', schema: Type.Object({}) }] } })
  throwsCode(t, () => collectRegistry(orderPlugins([entry(shadow)], coreVersion)), errorCodes.duplicateStrategy, /queue/)
  throwsCode(t, () => collectRegistry(orderPlugins([entry(plugin('no-id', { provides: { queueStrategies: [{ ...strategy('x'), id: '' }] } }))], coreVersion)), errorCodes.pluginShape)
  throwsCode(t, () => collectRegistry(orderPlugins([entry(plugin('no-offer', { provides: { queueStrategies: [{ id: 'x', title: 'x', settingsSchema: Type.Object({}) } as any] } }))], coreVersion)), errorCodes.pluginShape, /no-offer.*offer/)
  throwsCode(t, () => collectRegistry(orderPlugins([entry(plugin('no-schema', { provides: { channels: [{ ...connector('x'), settingsSchema: undefined } as any] } }))], coreVersion)), errorCodes.pluginShape, /no-schema.*settingsSchema/)
})

// Through the real boot.

const lifecycle: string[] = []
const tracked = (name: string, dependsOn?: string[]): PluginDefinition<any> => plugin(name, {
  dependsOn,
  setup: () => { lifecycle.push(`setup:${name}`) },
  teardown: () => { lifecycle.push(`teardown:${name}`) }
})

let h: TestApp
t.before(async () => {
  h = await buildTestApp({
    plugins: [
      tracked('loader-c', ['loader-b']),
      tracked('loader-b', ['loader-a']),
      plugin('loader-routes', {
        provides: { queueStrategies: [strategy('loader-strategy')] },
        routes (app) {
          // Encapsulated: this hook and this parser apply to the plugin's routes only.
          app.addHook('onRequest', async (request, reply) => { if (request.headers['x-block'] === '1') return reply.code(418).send({ blocked: true }) })
          app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, { raw: body }))
          app.get('/ping', async () => ({ pong: true }))
          app.post('/echo', async (request) => request.body)
        }
      }),
      tracked('loader-a')
    ]
  })
})

t.test('setup runs in dependency order', async (t) => {
  t.same(lifecycle, ['setup:loader-a', 'setup:loader-b', 'setup:loader-c'])
})

t.test('registries are frozen after boot', async (t) => {
  const { registry } = h.core
  t.ok(registry.queueStrategies.has('loader-strategy'))
  throwsCode(t, () => registry.queueStrategies.set('late', strategy('late')), errorCodes.registryFrozen)
  throwsCode(t, () => registry.queueStrategies.delete('loader-strategy'), errorCodes.registryFrozen)
  throwsCode(t, () => registry.queueStrategies.clear(), errorCodes.registryFrozen)
  throwsCode(t, () => registry.connectors.set('late', connector('late')), errorCodes.registryFrozen)
  throwsCode(t, () => registry.settingsGroups.set('late', { id: 'late', title: 'Late', schema: Type.Object({}) }), errorCodes.registryFrozen)
  t.throws(() => { (registry as any).queueStrategies = new Map() }, TypeError, 'the registry object itself is frozen')
  t.ok(registry.queueStrategies.has('loader-strategy'))
  t.notOk(registry.queueStrategies.has('late'))
  t.equal(registry.queueStrategies.size, 1)
})

t.test('plugin routes live under /plugins/<name>/ and stay encapsulated', async (t) => {
  t.same(await (await fetch(`${h.url}/plugins/loader-routes/ping`)).json(), { pong: true })
  t.equal((await fetch(`${h.url}/ping`)).status, 404)
  t.equal((await fetch(`${h.url}/plugins/loader-a/ping`)).status, 404)
  t.equal((await fetch(`${h.url}/plugins/loader-routes/ping`, { headers: { 'x-block': '1' } })).status, 418)
  // The plugin's hook and JSON parser do not leak into the core's routes.
  t.equal((await fetch(`${h.url}/health/live`, { headers: { 'x-block': '1' } })).status, 200)
  const echo = await fetch(`${h.url}/plugins/loader-routes/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' })
  t.same(await echo.json(), { raw: '{"a":1}' })
  const gql = await fetch(`${h.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-block': '1' }, body: JSON.stringify({ query: '{ version }' }) })
  t.equal(gql.status, 200)
  t.match(await gql.json(), { data: { version: /openline/ } })
})

t.test('boot fails with the code through the test harness', async (t) => {
  // Same database and Redis prefix as the running app: nothing is created, nothing leaks.
  const again = (plugins: PluginDefinition<any>[]): Promise<TestApp> => buildTestApp({ plugins, database: h.database, redisPrefix: h.config.redisPrefix })
    .then(async (app) => { await app.close(); return app })
  await t.rejects(again([plugin('typo-hook', { hooks: { 'conversation.beforeOpn': async () => {} } as any })]), { code: 'OL_PLUGIN_UNKNOWN_HOOK' })
  await t.rejects(again([plugin('needs-missing', { dependsOn: ['nowhere'] })]), { code: 'OL_PLUGIN_MISSING_DEPENDENCY' })
  await t.rejects(again([
    plugin('dup-a', { provides: { queueStrategies: [strategy('dup-id')] } }),
    plugin('dup-b', { provides: { queueStrategies: [strategy('dup-id')] } })
  ]), { code: 'OL_PLUGIN_DUPLICATE_STRATEGY' })
  await t.rejects(again([plugin('opts-boot', { options: Type.Object({ token: Type.String() }) })]), { code: 'OL_PLUGIN_OPTIONS', message: /opts-boot.*\/token/ })
  await t.rejects(again([plugin('too-new', { core: '^2.0.0' })]), { code: 'OL_PLUGIN_CORE_RANGE' })
  // Nothing was set up by the failed boots.
  t.same(lifecycle, ['setup:loader-a', 'setup:loader-b', 'setup:loader-c'])
})

t.test('teardown runs in reverse dependency order on close', async (t) => {
  await h.close()
  t.same(lifecycle.filter(l => l.startsWith('teardown:')), ['teardown:loader-c', 'teardown:loader-b', 'teardown:loader-a'])
})
