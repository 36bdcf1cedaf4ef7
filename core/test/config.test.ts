import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadConfig, validateConfig, buildApp, type Config } from '@openline/core'

// Configuration is validated as a whole at boot with coded errors naming the key; environment
// variables override files; production refuses the development key; an unreachable database
// stops boot with one clear line.

const root = fileURLToPath(new URL('../../', import.meta.url))
const defaults = JSON.parse(readFileSync(join(root, 'config/default.json'), 'utf8')) as Record<string, any>
const strongKey = 'k3y-' + 'x'.repeat(20) + '-not-for-development-0123'

/** A config dir of our own: default.json (the repo's, changed by `patch`) and optional env files. */
function configDir (t: { teardown: (fn: () => void) => void }, files: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'openline-config-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const all: Record<string, unknown> = { 'default.json': defaults, ...files }
  for (const [name, content] of Object.entries(all)) writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content))
  return dir
}

t.test('the shipped configuration is valid', async (t) => {
  const config = loadConfig({ env: {} })
  t.equal(config.environment, 'development')
  t.equal(config.port, 3000)
  t.equal(loadConfig({ env: { NODE_ENV: 'test' } }).logLevel, 'warn', 'config/test.json applies in test')
})

t.test('malformed values fail with OL_CONFIG_INVALID naming the key', async (t) => {
  t.throws(() => loadConfig({ env: { PORT: 'abc' } }), { code: 'OL_CONFIG_INVALID', message: /\bport\b.*PORT/, fields: [{ path: '/port' }] })
  t.throws(() => loadConfig({ env: { PORT: '   ' } }), { code: 'OL_CONFIG_INVALID', message: /\bport\b/ }, 'blank is not port 0')
  t.throws(() => loadConfig({ env: { PORT: '70000' } }), { code: 'OL_CONFIG_INVALID', message: /\bport\b/ })
  t.throws(() => loadConfig({ env: { DATABASE_URL: 'mysql://root@db/openline' } }), { code: 'OL_CONFIG_INVALID', message: /databaseUrl/, fields: [{ path: '/databaseUrl' }] })
  t.throws(() => loadConfig({ env: { REDIS_URL: '127.0.0.1:6379' } }), { code: 'OL_CONFIG_INVALID', message: /redisUrl/ })
  t.throws(() => loadConfig({ env: { OPEN_CHANNEL_LIMIT: 'lots' } }), { code: 'OL_CONFIG_INVALID', message: /openChannels\.limit/ })
  t.throws(() => loadConfig({ env: { LOG_LEVEL: 'loud' } }), { code: 'OL_CONFIG_INVALID', message: /logLevel/ })
  t.throws(() => loadConfig({ env: { NODE_ENV: 'staging' } }), { code: 'OL_CONFIG_INVALID', message: /environment/ })
  t.throws(() => loadConfig({ env: {}, overrides: { secretKey: 'short' } }), { code: 'OL_CONFIG_INVALID', message: /secretKey/ })
  // Every offending key is named, not only the first.
  const err = (() => { try { loadConfig({ env: { PORT: 'abc', DATABASE_URL: 'nope' } }) } catch (e) { return e as { fields: { path: string }[] } } })()
  t.same(err?.fields.map(f => f.path).sort(), ['/databaseUrl', '/port'])
})

t.test('unknown keys in configuration files fail', async (t) => {
  const top = configDir(t, { 'default.json': { ...defaults, prot: 3000 } })
  t.throws(() => loadConfig({ dir: top, env: {} }), { code: 'OL_CONFIG_INVALID', message: /\bprot\b/, fields: [{ path: '/prot' }] })
  const nested = configDir(t, { 'production.json': { graphql: { maxDepht: 5 } } })
  t.throws(() => loadConfig({ dir: nested, env: { NODE_ENV: 'production', SECRET_KEY: strongKey } }), { code: 'OL_CONFIG_INVALID', message: /graphql\.maxDepht/ })
  const broken = configDir(t, { 'test.json': '{ "port": 3000, ' })
  t.throws(() => loadConfig({ dir: broken, env: { NODE_ENV: 'test' } }), { code: 'OL_CONFIG_INVALID', message: /test\.json/ })
  const notAnObject = configDir(t, { 'test.json': '[1, 2]' })
  t.throws(() => loadConfig({ dir: notAnObject, env: { NODE_ENV: 'test' } }), { code: 'OL_CONFIG_INVALID', message: /test\.json/ })
  const nullFile = configDir(t, { 'test.json': 'null' })
  t.throws(() => loadConfig({ dir: nullFile, env: { NODE_ENV: 'test' } }), { code: 'OL_CONFIG_INVALID', message: /test\.json/ })
  t.throws(() => loadConfig({ dir: join(top, 'nowhere'), env: {} }), { code: 'OL_CONFIG_INVALID', message: /default\.json/ })
})

t.test('precedence: default.json < <environment>.json < environment variables < overrides', async (t) => {
  const dir = configDir(t, {
    'default.json': { ...defaults, port: 4000, host: '0.0.0.0' },
    'test.json': { port: 4100, graphql: { maxDepth: 8 } }
  })
  const fromFiles = loadConfig({ dir, env: { NODE_ENV: 'test' } })
  t.equal(fromFiles.environment, 'test')
  t.equal(fromFiles.port, 4100, 'the environment file overrides default.json')
  t.same(fromFiles.graphql, { ...defaults.graphql, maxDepth: 8 }, 'nested objects merge key by key')
  t.equal(fromFiles.host, '0.0.0.0')
  const fromEnv = loadConfig({ dir, env: { NODE_ENV: 'test', PORT: '5000', HOST: '10.0.0.1', DATABASE_URL: 'postgresql://app@db:5432/ol', OPEN_CHANNEL_LIMIT: '3', REDIS_PREFIX: 'prod:' } })
  t.equal(fromEnv.port, 5000, 'PORT overrides both files')
  t.equal(fromEnv.host, '10.0.0.1')
  t.equal(fromEnv.databaseUrl, 'postgresql://app@db:5432/ol')
  t.same(fromEnv.openChannels, { limit: 3 })
  t.equal(fromEnv.redisPrefix, 'prod:')
  t.equal(loadConfig({ dir, env: { NODE_ENV: 'test', PORT: '' } }).port, 4100, 'an empty variable is ignored')
  t.equal(loadConfig({ dir, env: { NODE_ENV: 'test', PORT: '5000' }, overrides: { port: 6000 } }).port, 6000, 'overrides win')
  t.equal(loadConfig({ dir, env: {} }).port, 4000, 'no environment file for development here')
})

t.test('TRUST_PROXY: a boolean, a hop count or addresses', async (t) => {
  t.equal(loadConfig({ env: {} }).trustProxy, 'loopback', 'default (config/default.json): loopback proxies only')
  t.equal(loadConfig({ env: { TRUST_PROXY: 'false' } }).trustProxy, false)
  t.equal(loadConfig({ env: { TRUST_PROXY: 'true' } }).trustProxy, true)
  t.equal(loadConfig({ env: { TRUST_PROXY: '2' } }).trustProxy, 2)
  t.equal(loadConfig({ env: { TRUST_PROXY: '10.0.0.0/8, loopback' } }).trustProxy, '10.0.0.0/8, loopback')
  t.throws(() => loadConfig({ env: { TRUST_PROXY: '0' } }), { code: 'OL_CONFIG_INVALID', message: /trustProxy/ })
})

t.test('production refuses the development secret key', async (t) => {
  t.throws(() => loadConfig({ env: { NODE_ENV: 'production' } }), { code: 'OL_CONFIG_INVALID', message: /secretKey/, fields: [{ path: '/secretKey' }] })
  t.throws(() => loadConfig({ env: { NODE_ENV: 'production', SECRET_KEY: defaults.secretKey } }), { code: 'OL_CONFIG_INVALID', message: /secretKey/ })
  const production = loadConfig({ env: { NODE_ENV: 'production', SECRET_KEY: strongKey } })
  t.equal(production.secretKey, strongKey)
  t.equal(production.graphql.introspection, false, 'config/production.json applies')
  t.equal(loadConfig({ env: { NODE_ENV: 'development' } }).secretKey, defaults.secretKey, 'fine outside production')
  // buildApp checks again, for configurations that did not come through loadConfig.
  const dev = loadConfig({ env: {} })
  await t.rejects(buildApp({ ...dev, databaseUrl: 'postgres://postgres@127.0.0.1:1/none', environment: 'production' } as Config), { code: 'OL_CONFIG_INVALID', message: /secretKey/ })
})

t.test('validateConfig checks a whole object on its own', async (t) => {
  const good = loadConfig({ env: {} })
  t.equal(validateConfig({ ...good }).port, 3000)
  t.throws(() => validateConfig({ ...good, jobs: { sweepIntervalMs: 1 } }), { code: 'OL_CONFIG_INVALID', message: /jobs\.sweepIntervalMs.*jobs\.process|jobs\.process.*jobs\.sweepIntervalMs/ })
})

t.test('an unreachable PostgreSQL stops buildApp with OL_DATABASE_UNREACHABLE', async (t) => {
  const config = loadConfig({ env: {}, overrides: { databaseUrl: 'postgres://openline:hunter2@127.0.0.1:1/openline' } })
  const started = Date.now()
  const err = await buildApp(config).then(async (app) => { await app.close(); return null }, (e: unknown) => e as Error & { code?: string })
  t.ok(err, 'boot failed')
  t.equal(err?.code, 'OL_DATABASE_UNREACHABLE')
  t.match(err?.message, /PostgreSQL/)
  t.match(err?.message, /127\.0\.0\.1:1/)
  t.notMatch(err?.message, /hunter2/, 'the password is not in the message')
  t.notMatch(err?.message, /\n\s*at /, 'no stack in the message')
  t.equal(err?.message.split('\n').length, 1, 'one line')
  t.ok(Date.now() - started < 15_000, 'fails fast')
})

/** Run the real entry point and collect what it prints. */
function runStart (env: Record<string, string>, timeoutMs = 30_000): Promise<{ code: number | null, signal: string | null, stdout: string, stderr: string, timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(join(root, 'node_modules/.bin/node'), ['scripts/start.ts'], {
      cwd: root,
      // A free port and a prefix of our own, should it get as far as listening.
      env: { ...process.env, NODE_ENV: 'development', PORT: '0', REDIS_PREFIX: `olt:start-test:${process.pid}:`, ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString() })
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL') }, timeoutMs)
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr, timedOut }) })
  })
}

t.test('scripts/start.ts with PostgreSQL down exits non-zero with one clear line', async (t) => {
  const run = await runStart({ DATABASE_URL: 'postgres://postgres:hunter2@127.0.0.1:1/openline' })
  t.equal(run.timedOut, false, 'it exits by itself')
  t.not(run.code, 0)
  t.not(run.code, null)
  const lines = run.stderr.trim().split('\n').filter(l => l.trim() !== '')
  t.equal(lines.length, 1, `one line on stderr: ${JSON.stringify(run.stderr)}`)
  t.match(lines[0], /PostgreSQL/)
  t.match(lines[0], /127\.0\.0\.1:1/)
  t.notMatch(run.stderr, /^\s+at /m, 'no stack trace')
  t.notMatch(run.stderr + run.stdout, /hunter2/, 'no password')
})

t.test('scripts/start.ts with a malformed setting names it', async (t) => {
  const run = await runStart({ PORT: 'abc' })
  t.equal(run.timedOut, false)
  t.not(run.code, 0)
  const lines = run.stderr.trim().split('\n').filter(l => l.trim() !== '')
  t.equal(lines.length, 1, `one line on stderr: ${JSON.stringify(run.stderr)}`)
  t.match(lines[0], /OL_CONFIG_INVALID/)
  t.match(lines[0], /\bport\b/)
  t.notMatch(run.stderr, /^\s+at /m)
})

t.test('scripts/start.ts in production with the development key refuses to start', async (t) => {
  const run = await runStart({ NODE_ENV: 'production', SECRET_KEY: '' })
  t.equal(run.timedOut, false)
  t.not(run.code, 0)
  t.match(run.stderr.trim(), /^[^\n]*OL_CONFIG_INVALID[^\n]*secretKey[^\n]*$/)
})
