// Signed inbound webhooks per connector (issue #5, "Measured"). See scripts/bench/README.md.
//   node scripts/bench/webhooks.ts [--messages N] [--concurrency C] [--senders S] [--warmup W]
//        [--connectors telegram,viber,messenger] [--db-pool P]
//   (also whatsapp and facebook-comments, not in the default run)
// For each connector: the provider's loopback fake API (the plugin's test/fakeApi.ts) runs in this
// process, the app in a child process (./lib/server.ts) with that connector's plugin; the bench
// connects an account through GraphQL `connectChannel` (the connector calls the fake), then posts
// N real-format, correctly signed webhooks closed-loop at concurrency C, checks that N messages were
// stored, stops the app and measures raw PostgreSQL single-row INSERTs at the same concurrency.
import { parseArgs } from 'node:util'
import { randomBytes } from 'node:crypto'
import { Pool } from 'undici'
import pg from 'pg'
import { agentClient, clearRedisPrefix } from '@openline/testing'
import { startFakeTelegram } from '../../plugins/channel-telegram/test/fakeApi.ts'
import { messageUpdate } from '../../plugins/channel-telegram/test/helpers.ts'
import { startFakeViber, messageEvent as viberMessageEvent, callbackRaw, sign as viberSign } from '../../plugins/channel-viber/test/fakeApi.ts'
import { startFakeMeta, messageEvent as metaMessageEvent, webhookBody, sign as metaSign, whatsappBody, whatsappMessage, feedBody, commentValue } from '../../plugins/channel-meta/test/fakeApi.ts'
import { recreateDatabase, dropDatabase } from './lib/database.ts'
import { startServer, type BenchServer } from './lib/spawn.ts'
import { summarize, ms, type Summary } from './lib/stats.ts'
import { cpuMark, cpuSince, perUnitMicros, type CpuUse } from './lib/cpu.ts'
import { pgProbe, pgSince, type PgProbe } from './lib/pgActivity.ts'
import { closedLoop } from './lib/closedLoop.ts'
import { rawInsertRate, type RawInsertResult } from './lib/rawInsert.ts'
import { freePort } from './lib/freePort.ts'
import { intFlag } from './lib/flags.ts'

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const allConnectors = ['telegram', 'viber', 'messenger', 'whatsapp', 'facebook-comments'] as const
type ConnectorName = typeof allConnectors[number]
const defaultConnectors: ConnectorName[] = ['telegram', 'viber', 'messenger']


const { values: flags } = parseArgs({
  options: {
    messages: { type: 'string' },
    concurrency: { type: 'string' },
    senders: { type: 'string' },
    warmup: { type: 'string' },
    connectors: { type: 'string' },
    'db-pool': { type: 'string' }
  }
})
const connectors = (flags.connectors ?? defaultConnectors.join(',')).split(',').map(s => s.trim()).filter(s => s !== '')
for (const c of connectors) if (!(allConnectors as readonly string[]).includes(c)) throw new Error(`unknown connector ${c}; known: ${allConnectors.join(', ')}`)
const opts = {
  messages: intFlag(flags.messages, 'messages', 10_000, 1, 1_000_000),
  concurrency: intFlag(flags.concurrency, 'concurrency', 32, 1, 512),
  senders: intFlag(flags.senders, 'senders', 1_000, 1, 1_000_000),
  warmup: intFlag(flags.warmup, 'warmup', 500, 0, 100_000),
  dbPool: flags['db-pool'] === undefined ? undefined : intFlag(flags['db-pool'], 'db-pool', 20, 1, 500),
  connectors: connectors as ConnectorName[]
}

const runId = randomBytes(4).toString('hex')
const sleep = (msec: number): Promise<void> => new Promise(resolve => setTimeout(resolve, msec))
const log = (text: string): void => { process.stderr.write(text + '\n') }
const text = (tag: string, i: number): string => `${tag}-${i}: Hello, my order #${1000 + (i % 9000)} has not arrived yet, can you help?`

// ---------------------------------------------------------------------------------------------
// One connector: its fake provider, settings for connectChannel, and its webhook wire format

/** A webhook request ready to send: the raw bytes and the provider's headers (signature included). */
interface Request { raw: string, headers: Record<string, string> }

interface Provider {
  plugin: string
  /** connectChannel settings pointing at the fake API. */
  settings: Record<string, unknown>
  /** Call only after connect: Telegram's secret token is the one the connector gave setWebhook. */
  request: (tag: string, i: number, sender: number) => Request
  close: () => Promise<void>
}

async function startProvider (name: ConnectorName): Promise<Provider> {
  const json = { 'content-type': 'application/json' }
  if (name === 'telegram') {
    const fake = await startFakeTelegram()
    let updateId = 10_000
    return {
      plugin: 'channel-telegram',
      settings: { token: fake.token, apiBaseUrl: fake.url },
      request (tag, i, sender) {
        const secret = fake.webhook()?.secret_token
        if (secret === undefined) throw new Error('telegram: setWebhook was not called with a secret token')
        // Private chat id = user id; message ids are unique per chat in Telegram, here unique overall.
        const messageId = (tag === 'w' ? 5_000_000 : 0) + i + 1
        const raw = JSON.stringify(messageUpdate(700_000_000 + sender, { text: text(tag, i) }, { updateId: ++updateId, messageId }))
        return { raw, headers: { ...json, 'x-telegram-bot-api-secret-token': secret } }
      },
      close: () => fake.close()
    }
  }
  if (name === 'viber') {
    const fake = await startFakeViber()
    return {
      plugin: 'channel-viber',
      settings: { authToken: fake.token, apiBaseUrl: fake.apiBaseUrl },
      request (tag, i, sender) {
        // Viber user ids are base64-like strings; message_token a bare 64-bit number (distinct per callback).
        const raw = callbackRaw(viberMessageEvent({ userId: `bench${String(sender).padStart(6, '0')}Az9+/w==`, name: `Client ${sender}`, message: { type: 'text', text: text(tag, i) } }))
        return { raw, headers: { ...json, 'x-viber-content-signature': viberSign(fake.token, raw) } }
      },
      close: () => fake.close()
    }
  }
  const fake = await startFakeMeta()
  const signed = (body: Record<string, unknown>): Request => {
    const raw = JSON.stringify(body)
    return { raw, headers: { ...json, 'x-hub-signature-256': metaSign(fake.appSecret, raw) } }
  }
  if (name === 'whatsapp') {
    return {
      plugin: 'channel-meta',
      settings: { accessToken: fake.token, appSecret: fake.appSecret, phoneNumberId: fake.phoneNumberId, businessAccountId: fake.wabaId, apiBaseUrl: fake.apiBaseUrl },
      // wa_ids are phone numbers in digits; wamids unique per message.
      request: (tag, i, sender) => signed(whatsappBody(fake, whatsappMessage({ from: String(5_511_900_000_000 + sender), id: `wamid.${runId}_${tag}_${i}`, text: text(tag, i) }))),
      close: () => fake.close()
    }
  }
  if (name === 'facebook-comments') {
    return {
      plugin: 'channel-meta',
      settings: { pageAccessToken: fake.token, appSecret: fake.appSecret, apiBaseUrl: fake.apiBaseUrl },
      // One post; each sender is a commenter there (one conversation each), comment ids unique per message.
      request: (tag, i, sender) => signed(feedBody(fake.pageId, [commentValue({ postId: `${fake.pageId}_1`, from: { id: String(6_200_000_000 + sender) }, commentId: `1_${runId}${tag}${i}`, message: text(tag, i) })])),
      close: () => fake.close()
    }
  }
  return {
    plugin: 'channel-meta',
    settings: { pageAccessToken: fake.token, appSecret: fake.appSecret, apiBaseUrl: fake.apiBaseUrl },
    request (tag, i, sender) {
      // One messaging event per body (Meta may batch; one keeps msgs/s = requests/s). PSIDs are numeric strings.
      const event = metaMessageEvent({ pageId: fake.pageId, userId: String(6_100_000_000_000_000 + sender), mid: `m_${runId}_${tag}_${i}`, text: text(tag, i) })
      const raw = JSON.stringify(webhookBody('page', fake.pageId, [event]))
      return { raw, headers: { ...json, 'x-hub-signature-256': metaSign(fake.appSecret, raw) } }
    },
    close: () => fake.close()
  }
}

async function connect (url: string, admin: { email: string, password: string }, name: ConnectorName, provider: Provider): Promise<{ connectionId: string, webhookPath: string }> {
  const login = await agentClient(url, null).query<{ login: { token: string } }>('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: admin.email, p: admin.password })
  if (login.data?.login?.token === undefined) throw new Error(`login failed: ${JSON.stringify(login.errors)}`)
  const agent = agentClient(url, login.data.login.token)
  try {
    const oc = await agent.query<{ createOpenChannel: { id: string } }>('mutation($n: String!) { createOpenChannel(input: { name: $n }) { id } }', { n: `Bench ${name}` })
    if (oc.data?.createOpenChannel === undefined) throw new Error(`createOpenChannel failed: ${JSON.stringify(oc.errors)}`)
    const conn = await agent.query<{ connectChannel: { id: string, status: string } }>('mutation($i: ConnectChannelInput!) { connectChannel(input: $i) { id status } }', {
      i: { openChannelId: oc.data.createOpenChannel.id, connector: name, settings: provider.settings }
    })
    if (conn.data?.connectChannel === undefined || conn.errors !== undefined) throw new Error(`connectChannel failed: ${JSON.stringify(conn.errors)}`)
    const connectionId = conn.data.connectChannel.id
    return { connectionId, webhookPath: `/plugins/${provider.plugin}/webhook/${connectionId}` }
  } finally {
    await agent.close()
  }
}

// ---------------------------------------------------------------------------------------------
// Load

interface Tally { ok: number, failures: Map<string, number>, latencies: number[] }

async function post (http: Pool, path: string, req: Request, tally: Tally): Promise<void> {
  const start = performance.now()
  let status = -1
  try {
    const res = await http.request({ path, method: 'POST', headers: req.headers, body: req.raw })
    status = res.statusCode
    await res.body.dump()
  } catch (err) {
    const key = (err as Error).message
    tally.failures.set(key, (tally.failures.get(key) ?? 0) + 1)
  }
  tally.latencies.push(performance.now() - start)
  if (status === 200) tally.ok++
  else if (status !== -1) tally.failures.set(`HTTP ${status}`, (tally.failures.get(`HTTP ${status}`) ?? 0) + 1)
}

/** Builds every request first, so signing and JSON do not compete with the app for the CPU during the run. */
async function run (http: Pool, path: string, provider: Provider, tag: string, count: number, senders: number): Promise<{ tally: Tally, elapsedMs: number }> {
  const requests = Array.from({ length: count }, (_, i) => provider.request(tag, i, i % senders))
  const tally: Tally = { ok: 0, failures: new Map(), latencies: [] }
  const elapsedMs = await closedLoop(count, opts.concurrency, (i) => post(http, path, requests[i], tally))
  return { tally, elapsedMs }
}

async function storedMessages (databaseUrl: string, connectionId: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl })
  client.on('error', () => {})
  await client.connect()
  try {
    const { rows } = await client.query<{ n: string }>("select count(*)::text as n from messages where connection_id = $1 and author_kind = 'client'", [connectionId])
    return Number(rows[0].n)
  } finally {
    await client.end()
  }
}

// ---------------------------------------------------------------------------------------------
// One connector's run

interface ConnectorResult {
  connector: ConnectorName
  msgsPerSec: number
  webhook: Summary
  ok: number
  failures: Record<string, number>
  stored: number
  storedOk: boolean
  commitsPerMessage: number
  cpu: CpuUse
  cpuMicrosPerMessage: { app: number, postgres: number, redis: number, loadGenerator: number }
  raw: RawInsertResult & { cpu: CpuUse, cpuMicrosPerRow: { postgres: number, loadGenerator: number } }
}

async function benchConnector (name: ConnectorName): Promise<ConnectorResult> {
  const databaseName = `openline_bench_webhooks_${name.replaceAll('-', '_')}`
  const prefix = `bench:${randomBytes(6).toString('hex')}:`
  const admin = { email: `bench-${runId}@openline.test`, password: `bench-${randomBytes(8).toString('hex')}` }
  let provider: Provider | null = null
  let server: BenchServer | null = null
  let http: Pool | null = null
  let probe: PgProbe | null = null
  try {
    provider = await startProvider(name)
    const databaseUrl = await recreateDatabase(databaseName)
    // The public URL must name the real port: Viber's set_webhook calls the webhook while connecting.
    const port = await freePort()
    server = await startServer({ databaseUrl, redisPrefix: prefix, plugins: [provider.plugin], admin, port, databasePoolMax: opts.dbPool })
    log(`${name}: server ${server.url} (pid ${server.pid})`)
    const { connectionId, webhookPath } = await connect(server.url, admin, name, provider)
    probe = await pgProbe(databaseUrl)
    http = new Pool(server.url, { connections: opts.concurrency, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: 30_000, bodyTimeout: 30_000 })

    // Warm-up (JIT, pools, caches) with its own senders and message ids.
    const warm = await run(http, webhookPath, provider, 'w', opts.warmup, Math.min(100, opts.senders))
    if (warm.tally.failures.size > 0) log(`${name}: warm-up failures: ${JSON.stringify(Object.fromEntries(warm.tally.failures))}`)
    const before = await storedMessages(databaseUrl, connectionId)
    await sleep(500)

    log(`${name}: ${opts.messages} signed webhooks at concurrency ${opts.concurrency}`)
    const pgStart = await probe.mark()
    const cpuStart = cpuMark()
    const measured = await run(http, webhookPath, provider, 'm', opts.messages, opts.senders)
    const cpu = cpuSince(cpuStart, server.pid)
    const stored = (await storedMessages(databaseUrl, connectionId)) - before
    if (measured.tally.failures.size > 0) log(`${name}: failures: ${JSON.stringify(Object.fromEntries(measured.tally.failures))}`)

    // The raw baseline gets the machine the app had: stop the app first.
    await http.close()
    http = null
    await server.stop()
    server = null
    // Backends report their commit counters as they exit: count now that the app's pool is closed.
    const commitsPerMessage = pgSince(pgStart, await probe.mark()).commits / opts.messages
    log(`${name}: raw PostgreSQL INSERTs at concurrency ${opts.concurrency}`)
    let rawCpu: CpuUse | null = null
    const raw = await rawInsertRate({
      databaseUrl,
      rows: opts.messages,
      concurrency: opts.concurrency,
      clients: opts.senders,
      warmup: opts.warmup,
      around: async (fn) => {
        const start = cpuMark()
        const out = await fn()
        rawCpu = cpuSince(start, -1)
        return out
      }
    })
    const rc = rawCpu as CpuUse | null
    if (rc === null) throw new Error('raw phase did not run')
    const c = cpu
    return {
      connector: name,
      msgsPerSec: measured.tally.ok / (measured.elapsedMs / 1000),
      webhook: summarize(measured.tally.latencies),
      ok: measured.tally.ok,
      failures: Object.fromEntries(measured.tally.failures),
      stored,
      storedOk: stored === opts.messages,
      commitsPerMessage,
      cpu,
      cpuMicrosPerMessage: { app: perUnitMicros(c.serverPct, c, opts.messages), postgres: perUnitMicros(c.postgresPct, c, opts.messages), redis: perUnitMicros(c.redisPct, c, opts.messages), loadGenerator: perUnitMicros(c.loadGeneratorPct, c, opts.messages) },
      raw: { ...raw, cpu: rc, cpuMicrosPerRow: { postgres: perUnitMicros(rc.postgresPct, rc, opts.messages), loadGenerator: perUnitMicros(rc.loadGeneratorPct, rc, opts.messages) } }
    }
  } finally {
    await probe?.close()
    await http?.close().catch(() => {})
    await server?.stop().catch(() => {})
    await provider?.close().catch(() => {})
    await clearRedisPrefix(redisUrl, prefix).catch(err => log(`redis cleanup failed: ${err.message}`))
    await dropDatabase(databaseName).catch(err => log(`database drop failed: ${err.message}`))
  }
}

// ---------------------------------------------------------------------------------------------
// Report

function table (r: ConnectorResult, backgroundPct: number): string {
  const w = r.webhook
  const rows: [string, string][] = [
    ['throughput', `${Math.round(r.msgsPerSec)} msgs/s`],
    ['webhook latency p50 / p90 / p99 / max', `${ms(w.p50)} / ${ms(w.p90)} / ${ms(w.p99)} / ${ms(w.max)} ms`],
    ['answered 200', `${r.ok} of ${opts.messages}${Object.keys(r.failures).length > 0 ? `  (${Object.entries(r.failures).map(([k, v]) => `${v}× ${k}`).join(', ')})` : ''}`],
    ['messages stored', `${r.stored}  ${r.storedOk ? 'OK' : 'MISMATCH'}`],
    ['commits per message', r.commitsPerMessage.toFixed(2)],
    ['CPU per message', `app ${r.cpuMicrosPerMessage.app} µs, PostgreSQL ${r.cpuMicrosPerMessage.postgres} µs, Redis ${r.cpuMicrosPerMessage.redis} µs, load generator ${r.cpuMicrosPerMessage.loadGenerator} µs`],
    ['machine busy during the run', `${r.cpu.machinePct}% (other processes ${r.cpu.otherPct}% of one core)`],
    ['raw PostgreSQL INSERT (same concurrency)', `${Math.round(r.raw.rowsPerSec)} rows/s, p50 ${ms(r.raw.insert.p50)} ms, p99 ${ms(r.raw.insert.p99)} ms`],
    ['webhooks ÷ raw', (r.msgsPerSec / r.raw.rowsPerSec).toFixed(2)]
  ]
  const width = Math.max(...rows.map(([k]) => k.length))
  return [
    `== ${r.connector}: ${opts.messages} signed webhooks, concurrency ${opts.concurrency}, ${opts.senders} senders, ${r.cpu.cores} cores, machine ${backgroundPct}% busy before ==`,
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)
  ].join('\n')
}

async function main (): Promise<void> {
  log(`webhooks bench: ${opts.connectors.join(', ')}; ${opts.messages} messages each at concurrency ${opts.concurrency} from ${opts.senders} senders`)
  const idle = cpuMark()
  await sleep(1000)
  const backgroundPct = cpuSince(idle, -1).machinePct
  if (backgroundPct > 10) log(`warning: the machine is already ${backgroundPct}% busy; figures will be lower than on an idle machine`)
  const results: ConnectorResult[] = []
  for (const name of opts.connectors) {
    const r = await benchConnector(name)
    results.push(r)
    process.stdout.write('\n' + table(r, backgroundPct) + '\n')
  }
  const round = (s: Summary): Record<string, number> => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, k === 'count' ? v : ms(v)]))
  process.stdout.write('\n' + JSON.stringify({
    bench: 'webhooks',
    date: new Date().toISOString(),
    options: { messages: opts.messages, concurrency: opts.concurrency, senders: opts.senders, warmup: opts.warmup },
    cores: results[0]?.cpu.cores,
    backgroundPct,
    connectors: Object.fromEntries(results.map(r => [r.connector, {
      msgsPerSec: Math.round(r.msgsPerSec),
      webhookMs: round(r.webhook),
      ok: r.ok,
      failures: r.failures,
      stored: r.stored,
      storedOk: r.storedOk,
      commitsPerMessage: Math.round(r.commitsPerMessage * 1000) / 1000,
      cpu: r.cpu,
      cpuMicrosPerMessage: r.cpuMicrosPerMessage,
      raw: { rowsPerSec: Math.round(r.raw.rowsPerSec), insertMs: round(r.raw.insert), cpu: r.raw.cpu, cpuMicrosPerRow: r.raw.cpuMicrosPerRow },
      ratio: Math.round((r.msgsPerSec / r.raw.rowsPerSec) * 1000) / 1000
    }]))
  }) + '\n')
  if (results.some(r => !r.storedOk)) process.exitCode = 1
}

main().then(() => {
  process.exit(process.exitCode ?? 0)
}, (err) => {
  process.stderr.write(`webhooks bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exit(1)
})
