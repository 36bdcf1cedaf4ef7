// Web-chat widget benchmark (issue #4, "Measured"). See scripts/bench/README.md, section "widget".
//   node scripts/bench/widget.ts [--sessions N] [--messages M] [--interval MS] [--open-concurrency C]
//        [--http-connections H] [--raw-concurrency R] [--server-arg FLAG]...
// N visitor sessions as the widget opens them (startVisit over HTTP, each from its own address,
// then a graphql-ws subscription to visitorEvents), all held open at once; each then sends M
// messages. An agent subscription receives them: visitor→agent latency. The app runs in a child
// process (./lib/server.ts), so its memory per session is its own.
import { parseArgs } from 'node:util'
import { randomBytes, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Pool } from 'undici'
import { createClient, type Client } from 'graphql-ws'
import WebSocket from 'ws'
import { agentClient, clearRedisPrefix, type AgentClient, type Subscription } from '@openline/testing'
import { recreateDatabase, dropDatabase } from './lib/database.ts'
import { startServer, type BenchServer } from './lib/spawn.ts'
import { summarize, ms, type Summary } from './lib/stats.ts'
import { cpuMark, cpuSince, perUnitMicros, type CpuUse } from './lib/cpu.ts'
import { closedLoop } from './lib/closedLoop.ts'
import { rawInsertRate } from './lib/rawInsert.ts'
import { intFlag } from './lib/flags.ts'

const databaseName = 'openline_bench_widget'
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'


const { values: flags } = parseArgs({
  options: {
    sessions: { type: 'string' },
    messages: { type: 'string' },
    interval: { type: 'string' },
    'open-concurrency': { type: 'string' },
    'http-connections': { type: 'string' },
    'raw-concurrency': { type: 'string' },
    'server-arg': { type: 'string', multiple: true }
  }
})
const opts = {
  sessions: intFlag(flags.sessions, 'sessions', 1_000, 1, 20_000),
  messages: intFlag(flags.messages, 'messages', 5, 1, 1_000),
  interval: intFlag(flags.interval, 'interval', 2_000, 10, 600_000),
  openConcurrency: intFlag(flags['open-concurrency'], 'open-concurrency', 50, 1, 1_000),
  httpConnections: intFlag(flags['http-connections'], 'http-connections', 64, 1, 1_000),
  rawConcurrency: intFlag(flags['raw-concurrency'], 'raw-concurrency', 32, 1, 512),
  serverArgs: flags['server-arg'] ?? []
}

const runId = randomBytes(4).toString('hex')
const sleep = (msec: number): Promise<void> => new Promise(resolve => setTimeout(resolve, msec))
const log = (text: string): void => { process.stderr.write(text + '\n') }

// ---------------------------------------------------------------------------------------------
// The app's memory: RSS from /proc, V8 heap from its Prometheus metrics

interface Memory { rssBytes: number, heapUsedBytes: number }

async function memoryOf (server: BenchServer): Promise<Memory> {
  const status = readFileSync(`/proc/${server.pid}/status`, 'utf8')
  const rssKb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN)
  const metrics = await (await fetch(`${server.url}/metrics`)).text()
  const heap = Number(/^openline_nodejs_heap_size_used_bytes (\S+)$/m.exec(metrics)?.[1] ?? Number.NaN)
  return { rssBytes: rssKb * 1024, heapUsedBytes: heap }
}

/**
 * Memory after a quiet moment: RSS at the end, the heap as its lowest sample over 3 s (the heap
 * grows until a collection and drops after it; the low point is closest to what is live).
 */
async function settledMemory (server: BenchServer): Promise<Memory> {
  let heap = Number.POSITIVE_INFINITY
  let last: Memory = await memoryOf(server)
  for (let i = 0; i < 15; i++) {
    await sleep(200)
    last = await memoryOf(server)
    heap = Math.min(heap, last.heapUsedBytes)
  }
  return { rssBytes: last.rssBytes, heapUsedBytes: heap }
}

// ---------------------------------------------------------------------------------------------
// Visitor sessions

interface Session {
  index: number
  token: string
  socket: Client
  /** Pushes this session received for its own messages, and for anything else (must stay 0). */
  ownPushes: number
  foreignPushes: number
}

const visitorQuery = (http: Pool, token: string | null, address: string, query: string, variables: Record<string, unknown>): Promise<any> =>
  http.request({
    path: '/visitor/graphql',
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': address, ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query, variables })
  }).then(async (res) => {
    const body = await res.body.json() as any
    if (res.statusCode !== 200 || body.errors !== undefined) throw new Error(`HTTP ${res.statusCode}: ${JSON.stringify(body.errors ?? body)}`)
    return body.data
  })

/** A distinct client address per session (the app trusts X-Forwarded-For from loopback): the per-address visit limit applies as in production. */
const addressOf = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`
const bodyOf = (session: number, message: number): string => `w${runId}-s${session}-m${message}: hello, is my parcel on its way?`

async function openSession (url: string, http: Pool, key: string, index: number): Promise<Session> {
  const address = addressOf(index)
  const started = await visitorQuery(http, null, address, 'mutation($k: String!) { startVisit(key: $k) { token } }', { k: key })
  const token = started.startVisit.token as string
  const prefix = `w${runId}-s${index}-`
  const session: Session = { index, token, socket: undefined as unknown as Client, ownPushes: 0, foreignPushes: 0 }
  const Socket = class extends WebSocket { constructor (target: string, protocols?: string | string[]) { super(target, protocols, { headers: { 'x-forwarded-for': address } }) } }
  const socket = createClient({ url: url.replace(/^http/, 'ws') + '/visitor/graphql', webSocketImpl: Socket, connectionParams: { visitorToken: token }, retryAttempts: 0, lazy: false })
  session.socket = socket
  await new Promise<void>((resolve, reject) => {
    socket.on('connected', () => resolve())
    socket.on('closed', (event: any) => reject(new Error(`visitor websocket closed: ${event?.code}`)))
  })
  socket.subscribe<{ visitorEvents: { message: { text: string } | null } }>({ query: 'subscription { visitorEvents { kind message { text } } }' }, {
    next: (result) => {
      const text = result.data?.visitorEvents.message?.text
      if (text === undefined) return
      if (text.startsWith(prefix)) session.ownPushes++
      else session.foreignPushes++
    },
    error: () => { session.foreignPushes++ },
    complete: () => {}
  })
  return session
}

// ---------------------------------------------------------------------------------------------
// Messages: visitor → agent

const awaiting = new Map<string, { start: number, first: boolean }>()
const deliveries: number[] = []
/** The same, for each session's first message (it opens a conversation) and for the rest. */
const firstDeliveries: number[] = []
const laterDeliveries: number[] = []
const sendLatencies: number[] = []
let sendFailures = 0
let unexpectedPushes = 0

function consume (sub: Subscription<{ messageAdded: { body: string } }>): { stop: () => void } {
  let running = true
  void (async () => {
    while (running) {
      let res
      try {
        res = await sub.next(600_000)
      } catch {
        continue
      }
      const now = performance.now()
      const body = res.data?.messageAdded?.body
      const sent = body === undefined ? undefined : awaiting.get(body)
      if (sent === undefined) { unexpectedPushes++; continue }
      awaiting.delete(body!)
      deliveries.push(now - sent.start)
      ;(sent.first ? firstDeliveries : laterDeliveries).push(now - sent.start)
    }
  })()
  return { stop: () => { running = false } }
}

async function sendOne (http: Pool, session: Session, message: number): Promise<void> {
  const body = bodyOf(session.index, message)
  const start = performance.now()
  awaiting.set(body, { start, first: message === 0 })
  try {
    await visitorQuery(http, session.token, addressOf(session.index), 'mutation($t: String!, $id: String!) { sendVisitorMessage(text: $t, clientMessageId: $id) { id } }', { t: body, id: randomUUID() })
    sendLatencies.push(performance.now() - start)
  } catch (err) {
    sendFailures++
    awaiting.delete(body)
    if (sendFailures <= 5) log(`send failed: ${(err as Error).message}`)
  }
}

/** Each session sends its messages `interval` ms apart, starting at a random point of the first interval. */
async function messaging (http: Pool, sessions: Session[]): Promise<number> {
  const t0 = performance.now()
  await Promise.all(sessions.map(async (session) => {
    await sleep(Math.random() * opts.interval)
    for (let m = 0; m < opts.messages; m++) {
      const due = performance.now() + opts.interval
      await sendOne(http, session, m)
      await sleep(Math.max(0, due - performance.now()))
    }
  }))
  return performance.now() - t0
}

async function settleDeliveries (expected: number, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs
  while (deliveries.length < expected && performance.now() < deadline) await sleep(20)
  return expected - deliveries.length
}

// ---------------------------------------------------------------------------------------------
// Run

interface Results {
  backgroundPct: number
  openMs: number
  openFailures: number
  baseline: Memory
  connected: Memory
  afterMessages: Memory
  messagingMs: number
  sent: number
  send: Summary
  delivery: Summary
  firstDelivery: Summary
  laterDelivery: Summary
  missing: number
  ownPushes: number
  foreignPushes: number
  cpu: CpuUse
  raw: { rowsPerSec: number, insert: Summary }
}

async function setup (url: string, admin: { email: string, password: string }): Promise<{ agent: AgentClient, key: string }> {
  const login = await agentClient(url, null).query<{ login: { token: string } }>('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: admin.email, p: admin.password })
  if (login.data?.login?.token === undefined) throw new Error(`login failed: ${JSON.stringify(login.errors)}`)
  const agent = agentClient(url, login.data.login.token)
  const oc = await agent.query<{ createOpenChannel: { id: string } }>('mutation { createOpenChannel(input: { name: "Widget bench" }) { id } }')
  if (oc.data?.createOpenChannel === undefined) throw new Error(`createOpenChannel failed: ${JSON.stringify(oc.errors)}`)
  const conn = await agent.query<{ connectChannel: { externalAccountId: string } }>('mutation($i: ConnectChannelInput!) { connectChannel(input: $i) { externalAccountId } }', {
    i: { openChannelId: oc.data.createOpenChannel.id, connector: 'webchat', settings: { allowedOrigins: [] } }
  })
  if (conn.data?.connectChannel === undefined) throw new Error(`connectChannel failed: ${JSON.stringify(conn.errors)}`)
  return { agent, key: conn.data.connectChannel.externalAccountId }
}

async function main (): Promise<Results> {
  const admin = { email: `bench-${runId}@openline.test`, password: `bench-${randomBytes(8).toString('hex')}` }
  const prefix = `bench:${randomBytes(6).toString('hex')}:`
  log(`widget bench: ${opts.sessions} sessions, ${opts.messages} messages each, one every ${opts.interval} ms per session`)
  const idle = cpuMark()
  await sleep(1000)
  const backgroundPct = cpuSince(idle, -1).machinePct
  if (backgroundPct > 10) log(`warning: the machine is already ${backgroundPct}% busy`)

  const databaseUrl = await recreateDatabase(databaseName)
  let server: BenchServer | null = null
  let agent: AgentClient | null = null
  let http: Pool | null = null
  const sessions: Session[] = []
  try {
    server = await startServer({ databaseUrl, redisPrefix: prefix, plugins: ['channel-webchat'], admin, nodeArgs: opts.serverArgs })
    log(`server ${server.url} (pid ${server.pid})`)
    const ctx = await setup(server.url, admin)
    agent = ctx.agent
    const sub = await agent.subscribe<{ messageAdded: { body: string } }>('subscription { messageAdded { body } }')
    const consumer = consume(sub)
    http = new Pool(server.url, { connections: opts.httpConnections, pipelining: 1, keepAliveTimeout: 60_000 })

    // Warm-up: a few sessions through the whole path (JIT, pools), then closed again.
    const warm: Session[] = []
    for (let i = 0; i < 20; i++) warm.push(await openSession(server.url, http, ctx.key, opts.sessions + i))
    for (const s of warm) await sendOne(http, s, 0)
    await settleDeliveries(warm.length, 10_000)
    await Promise.all(warm.map(s => s.socket.dispose()))
    for (const list of [deliveries, firstDeliveries, laterDeliveries, sendLatencies]) list.length = 0

    const baseline = await settledMemory(server)
    log(`opening ${opts.sessions} sessions`)
    let openFailures = 0
    const openMs = await closedLoop(opts.sessions, opts.openConcurrency, async (i) => {
      try {
        sessions.push(await openSession(server!.url, http!, ctx.key, i))
      } catch (err) {
        openFailures++
        if (openFailures <= 5) log(`session ${i} failed: ${(err as Error).message}`)
      }
    })
    const connected = await settledMemory(server)
    log(`${sessions.length} sessions open in ${Math.round(openMs)} ms; messaging`)

    const cpuStart = cpuMark()
    const messagingMs = await messaging(http, sessions)
    const sent = sendLatencies.length
    const missing = await settleDeliveries(sent, 15_000)
    const cpu = cpuSince(cpuStart, server.pid)
    // Visitors' own pushes (their other tabs) may trail the agent's by a moment.
    await sleep(1000)
    const afterMessages = await memoryOf(server)
    consumer.stop()
    sub.close()

    const ownPushes = sessions.reduce((n, s) => n + s.ownPushes, 0)
    const foreignPushes = sessions.reduce((n, s) => n + s.foreignPushes, 0)
    await Promise.all(sessions.splice(0).map(s => s.socket.dispose()))
    await http.close()
    http = null
    await agent.close()
    agent = null
    await server.stop()
    server = null

    log('raw PostgreSQL INSERTs')
    const raw = await rawInsertRate({ databaseUrl, rows: Math.max(sent, 1000), concurrency: opts.rawConcurrency, clients: opts.sessions, warmup: 500 })
    return {
      backgroundPct, openMs, openFailures, baseline, connected, afterMessages, messagingMs, sent,
      send: summarize(sendLatencies), delivery: summarize(deliveries), firstDelivery: summarize(firstDeliveries), laterDelivery: summarize(laterDeliveries), missing, ownPushes, foreignPushes, cpu,
      raw: { rowsPerSec: raw.rowsPerSec, insert: raw.insert }
    }
  } finally {
    await Promise.allSettled(sessions.map(s => s.socket.dispose()))
    await http?.close().catch(() => {})
    await agent?.close().catch(() => {})
    await server?.stop().catch(() => {})
    await clearRedisPrefix(redisUrl, prefix).catch(err => log(`redis cleanup failed: ${err.message}`))
    await dropDatabase(databaseName).catch(err => log(`database drop failed: ${err.message}`))
  }
}

// ---------------------------------------------------------------------------------------------
// Report

const kb = (bytes: number): number => Math.round(bytes / 102.4) / 10
const mb = (bytes: number): number => Math.round(bytes / 104857.6) / 10
const latencyText = (s: Summary): string => `p50 ${ms(s.p50)} ms  p90 ${ms(s.p90)} ms  p99 ${ms(s.p99)} ms  max ${ms(s.max)} ms  (n=${s.count})`

function report (r: Results): void {
  const n = Math.max(1, opts.sessions - r.openFailures)
  const perSession = { rss: (r.connected.rssBytes - r.baseline.rssBytes) / n, heap: (r.connected.heapUsedBytes - r.baseline.heapUsedBytes) / n }
  const rate = r.sent / (r.messagingMs / 1000)
  const c = r.cpu
  const out = [
    '',
    `== Widget benchmark: ${opts.sessions} visitor sessions, ${opts.messages} messages each every ${opts.interval} ms, ${c.cores} cores, machine ${r.backgroundPct}% busy before the run ==`,
    `Sessions (startVisit over HTTP + graphql-ws subscription)`,
    `  opened                ${opts.sessions - r.openFailures} of ${opts.sessions} in ${Math.round(r.openMs)} ms (${Math.round((opts.sessions - r.openFailures) / (r.openMs / 1000))}/s at concurrency ${opts.openConcurrency})`,
    `  app memory            RSS ${mb(r.baseline.rssBytes)} → ${mb(r.connected.rssBytes)} MB, V8 heap used ${mb(r.baseline.heapUsedBytes)} → ${mb(r.connected.heapUsedBytes)} MB`,
    `  per open session      RSS ${kb(perSession.rss)} KB, heap ${kb(perSession.heap)} KB`,
    `Messages (sendVisitorMessage over HTTP; the agent's messageAdded subscription receives them)`,
    `  sent                  ${r.sent} (${Math.round(rate)} msgs/s)${sendFailures > 0 ? `, ${sendFailures} failed` : ''}`,
    `  send latency          ${latencyText(r.send)}`,
    `  visitor→agent         ${latencyText(r.delivery)}`,
    `    first messages      ${latencyText(r.firstDelivery)}  (each opens a conversation)`,
    `    later messages      ${latencyText(r.laterDelivery)}`,
    `  missing at the agent  ${r.missing}`,
    `  visitors' own pushes  ${r.ownPushes} of ${r.sent}; pushes of another visitor's message: ${r.foreignPushes}`,
    `  app memory after      RSS ${mb(r.afterMessages.rssBytes)} MB, heap used ${mb(r.afterMessages.heapUsedBytes)} MB`,
    `  CPU per message       app ${perUnitMicros(c.serverPct, c, r.sent)} µs, PostgreSQL ${perUnitMicros(c.postgresPct, c, r.sent)} µs, Redis ${perUnitMicros(c.redisPct, c, r.sent)} µs, load generator ${perUnitMicros(c.loadGeneratorPct, c, r.sent)} µs`,
    `  during messaging      machine ${c.machinePct}% busy; % of one core: app ${c.serverPct}, PostgreSQL ${c.postgresPct}, Redis ${c.redisPct}, load generator ${c.loadGeneratorPct}, other ${c.otherPct}`,
    `Raw PostgreSQL single-row INSERT (autocommit), ${opts.rawConcurrency} connections`,
    `  commit rate           ${Math.round(r.raw.rowsPerSec)} rows/s  (${latencyText(r.raw.insert)})`,
    ''
  ]
  process.stdout.write(out.join('\n') + '\n')
  const round = (s: Summary): Record<string, number> => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, k === 'count' ? v : ms(v)]))
  process.stdout.write(JSON.stringify({
    bench: 'widget',
    date: new Date().toISOString(),
    options: { sessions: opts.sessions, messages: opts.messages, interval: opts.interval, openConcurrency: opts.openConcurrency, httpConnections: opts.httpConnections },
    backgroundPct: r.backgroundPct,
    opened: opts.sessions - r.openFailures,
    openMs: Math.round(r.openMs),
    memory: { baseline: r.baseline, connected: r.connected, afterMessages: r.afterMessages, perSessionBytes: { rss: Math.round(perSession.rss), heap: Math.round(perSession.heap) } },
    sent: r.sent,
    sendFailures,
    msgsPerSec: Math.round(rate),
    sendMs: round(r.send),
    deliveryMs: round(r.delivery),
    firstDeliveryMs: round(r.firstDelivery),
    laterDeliveryMs: round(r.laterDelivery),
    missing: r.missing,
    ownPushes: r.ownPushes,
    foreignPushes: r.foreignPushes,
    unexpectedPushes,
    cpu: r.cpu,
    raw: { rowsPerSec: Math.round(r.raw.rowsPerSec), insertMs: round(r.raw.insert) }
  }) + '\n')
}

main().then((r) => {
  report(r)
  process.exit(0)
}, (err) => {
  process.stderr.write(`widget bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exit(1)
})
