// Inbound throughput benchmark (issue #2 point 11). See scripts/bench/README.md.
//   node scripts/bench/ingest.ts [--messages N] [--concurrency C] [--rate R] [--seconds S]
//        [--clients K] [--warmup W] [--db-pool P] [--profile DIR] [--server-arg FLAG]...
// The app runs in a child process (./lib/server.ts); this process generates the load over
// loopback, listens to an agent subscription, then measures raw PostgreSQL INSERT commits.
import { parseArgs } from 'node:util'
import { randomBytes } from 'node:crypto'
import { Pool } from 'undici'
import { agentClient, sign, clearRedisPrefix, type AgentClient, type Subscription } from '@openline/testing'
import { recreateDatabase, dropDatabase } from './lib/database.ts'
import { startServer, type BenchServer } from './lib/spawn.ts'
import { summarize, ms, type Summary } from './lib/stats.ts'
import { cpuMark, cpuSince, perUnitMicros, type CpuUse } from './lib/cpu.ts'
import { pgProbe, pgSince, type PgMark, type PgProbe } from './lib/pgActivity.ts'
import { closedLoop } from './lib/closedLoop.ts'
import { rawInsertRate } from './lib/rawInsert.ts'
import { intFlag } from './lib/flags.ts'

const databaseName = 'openline_bench_ingest'
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const secret = 'bench-secret-0123456789'
const targets = { ratio: 0.5, pushP99Ms: 50 }


const { values: flags } = parseArgs({
  options: {
    messages: { type: 'string' },
    concurrency: { type: 'string' },
    rate: { type: 'string' },
    seconds: { type: 'string' },
    clients: { type: 'string' },
    warmup: { type: 'string' },
    'db-pool': { type: 'string' },
    profile: { type: 'string' },
    'server-arg': { type: 'string', multiple: true }
  }
})
const opts = {
  messages: intFlag(flags.messages, 'messages', 20_000, 1, 1_000_000),
  concurrency: intFlag(flags.concurrency, 'concurrency', 32, 1, 512),
  rate: intFlag(flags.rate, 'rate', 1_000, 0, 50_000),
  seconds: intFlag(flags.seconds, 'seconds', 5, 1, 120),
  clients: intFlag(flags.clients, 'clients', 2_000, 1, 1_000_000),
  warmup: intFlag(flags.warmup, 'warmup', 500, 0, 100_000),
  dbPool: flags['db-pool'] === undefined ? undefined : intFlag(flags['db-pool'], 'db-pool', 20, 1, 500),
  profile: flags.profile,
  serverArgs: flags['server-arg'] ?? []
}

const runId = randomBytes(4).toString('hex')
const sleep = (msec: number): Promise<void> => new Promise(resolve => setTimeout(resolve, msec))
const log = (text: string): void => { process.stderr.write(text + '\n') }

// ---------------------------------------------------------------------------------------------
// Samples of one phase

interface Phase {
  /** Webhook answered 200. */
  ok: number
  failed: number
  failures: Map<string, number>
  webhook: number[]
  push: number[]
  /** Push latencies by the second (from `t0`) in which their request started or was planned. */
  t0: number
  pushBySecond: number[][]
}

function newPhase (): Phase {
  return { ok: 0, failed: 0, failures: new Map(), webhook: [], push: [], t0: performance.now(), pushBySecond: [] }
}

function countFailure (phase: Phase, key: string): void {
  phase.failed++
  phase.failures.set(key, (phase.failures.get(key) ?? 0) + 1)
}

function failuresText (phase: Phase): string {
  return [...phase.failures].map(([k, v]) => `${v}× ${k}`).join(', ')
}

// ---------------------------------------------------------------------------------------------
// Subscription pushes, matched to their webhook request by the (unique) message body

const awaitingPush = new Map<string, { start: number, phase: Phase }>()
let unexpectedPushes = 0
let pushErrors = 0

function onPush (res: { data?: { messageAdded?: { body: string } } | null }, now: number): void {
  const body = res.data?.messageAdded?.body
  if (body === undefined) { pushErrors++; return }
  const entry = awaitingPush.get(body)
  if (entry === undefined) { unexpectedPushes++; return }
  awaitingPush.delete(body)
  const { phase, start } = entry
  phase.push.push(now - start)
  const second = Math.max(0, Math.floor((start - phase.t0) / 1000))
  ;(phase.pushBySecond[second] ??= []).push(now - start)
}

/** Read pushes as they arrive; `next()` resolves in the macrotask that received the frame. */
function consume (sub: Subscription<any>): { stop: () => void } {
  let running = true
  void (async () => {
    while (running) {
      let res
      try {
        // A long wait on purpose: agentClient keeps a timed-out waiter, which would swallow a later push.
        res = await sub.next(600_000)
      } catch {
        continue
      }
      onPush(res, performance.now())
    }
  })()
  return { stop: () => { running = false } }
}

/** Wait (bounded) for the phase's outstanding pushes, then stop expecting them. */
async function settlePushes (phase: Phase, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs
  while (phase.push.length < phase.ok && performance.now() < deadline) await sleep(10)
  for (const [body, entry] of awaitingPush) if (entry.phase === phase) awaitingPush.delete(body)
  return phase.ok - phase.push.length
}

// ---------------------------------------------------------------------------------------------
// Load

interface Message { raw: string, body: string, signature: string }

function message (tag: string, i: number, userId: string): Message {
  const body = `${tag}-${i}: Hello, my order #${1000 + (i % 9000)} has not arrived yet, can you help?`
  const raw = JSON.stringify({ userId, messageId: `${runId}-${tag}-${i}`, text: body, name: `Client ${userId}` })
  return { raw, body, signature: sign(secret, raw) }
}

type Send = (phase: Phase, msg: Message, start: number) => Promise<void>

function createSender (http: Pool, path: string): Send {
  return async function send (phase, msg, start) {
    awaitingPush.set(msg.body, { start, phase })
    let status = -1
    try {
      const res = await http.request({ path, method: 'POST', headers: { 'content-type': 'application/json', 'x-test-signature': msg.signature }, body: msg.raw })
      status = res.statusCode
      await res.body.dump()
    } catch (err) {
      countFailure(phase, (err as Error).message)
    }
    phase.webhook.push(performance.now() - start)
    if (status === 200) {
      phase.ok++
    } else {
      if (status !== -1) countFailure(phase, `HTTP ${status}`)
      awaitingPush.delete(msg.body)
    }
  }
}

/**
 * Open loop: request i is due at t0 + i/rate, whatever happened before; its latency counts from
 * that planned time, so a stall shows in every figure it delayed (no coordinated omission).
 */
async function openLoop (count: number, rate: number, t0: number, fire: (i: number, planned: number) => Promise<void>): Promise<number> {
  const interval = 1000 / rate
  const inflight: Promise<void>[] = []
  let lastDone = t0
  let issued = 0
  while (issued < count) {
    const now = performance.now()
    while (issued < count && t0 + issued * interval <= now) {
      inflight.push(fire(issued, t0 + issued * interval).then(() => { lastDone = Math.max(lastDone, performance.now()) }))
      issued++
    }
    if (issued < count) await sleep(Math.max(0, Math.floor(t0 + issued * interval - performance.now())))
  }
  await Promise.all(inflight)
  return lastDone
}

// ---------------------------------------------------------------------------------------------
// Phases

/** What else ran during a phase. Commits are counted over phases 1–2 only: backends report them late. */
interface Background { cpu: CpuUse, pg: Omit<PgMark, 'commits'> }

interface ClosedResult extends Background { msgsPerSec: number, webhook: Summary, push: Summary, missingPushes: number, failed: number }
interface OpenResult extends Background { targetRate: number, achievedRate: number, webhook: Summary, push: Summary, pushP99BySecond: number[], missingPushes: number, failed: number }
interface RawResult extends Background { rowsPerSec: number, insert: Summary }

async function measure<T> (probe: PgProbe, serverPid: number, fn: () => Promise<T>): Promise<T & Background> {
  const pgStart = await probe.mark()
  const cpuStart = cpuMark()
  const result = await fn()
  const cpu = cpuSince(cpuStart, serverPid)
  const { checkpoints, autovacuums } = pgSince(pgStart, await probe.mark())
  return { ...result, cpu, pg: { checkpoints, autovacuums } }
}

async function closedPhase (send: Send, probe: PgProbe, serverPid: number): Promise<ClosedResult> {
  const phase = newPhase()
  const r = await measure(probe, serverPid, async () => ({
    elapsed: await closedLoop(opts.messages, opts.concurrency, (i) => send(phase, message('c', i, `u${i % opts.clients}`), performance.now()))
  }))
  const missingPushes = await settlePushes(phase, 10_000)
  if (phase.failed > 0) log(`closed-loop failures: ${failuresText(phase)}`)
  return { msgsPerSec: phase.ok / (r.elapsed / 1000), webhook: summarize(phase.webhook), push: summarize(phase.push), missingPushes, failed: phase.failed, cpu: r.cpu, pg: r.pg }
}

async function openPhase (send: Send, probe: PgProbe, serverPid: number): Promise<OpenResult> {
  const phase = newPhase()
  phase.t0 = performance.now() + 20
  const total = opts.rate * opts.seconds
  const r = await measure(probe, serverPid, async () => ({
    lastDone: await openLoop(total, opts.rate, phase.t0, (i, planned) => send(phase, message('o', i, `u${i % opts.clients}`), planned))
  }))
  const missingPushes = await settlePushes(phase, 10_000)
  if (phase.failed > 0) log(`open-loop failures: ${failuresText(phase)}`)
  return {
    targetRate: opts.rate,
    achievedRate: phase.ok / ((r.lastDone - phase.t0) / 1000),
    webhook: summarize(phase.webhook),
    push: summarize(phase.push),
    pushP99BySecond: Array.from(phase.pushBySecond, b => ms(summarize(b ?? []).p99)),
    missingPushes,
    failed: phase.failed,
    cpu: r.cpu,
    pg: r.pg
  }
}

/** The same number of single-row autocommit INSERTs of a similar row, at the same concurrency. */
async function rawPhase (databaseUrl: string, probe: PgProbe): Promise<RawResult> {
  let background: Background | undefined
  const around = async <T>(fn: () => Promise<T>): Promise<T> => {
    const measured = await measure(probe, -1, async () => ({ value: await fn() }))
    background = measured
    return measured.value
  }
  const r = await rawInsertRate({ databaseUrl, rows: opts.messages, concurrency: opts.concurrency, clients: opts.clients, warmup: opts.warmup, around })
  if (background === undefined) throw new Error('raw phase did not run')
  return { rowsPerSec: r.rowsPerSec, insert: r.insert, cpu: background.cpu, pg: background.pg }
}

// ---------------------------------------------------------------------------------------------
// Run

async function setup (url: string, admin: { email: string, password: string }): Promise<{ agent: AgentClient, webhookPath: string }> {
  const login = await agentClient(url, null).query<{ login: { token: string } }>('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: admin.email, p: admin.password })
  if (login.data?.login?.token === undefined) throw new Error(`login failed: ${JSON.stringify(login.errors)}`)
  const agent = agentClient(url, login.data.login.token)
  const oc = await agent.query<{ createOpenChannel: { id: string } }>('mutation { createOpenChannel(input: { name: "Bench" }) { id } }')
  if (oc.data?.createOpenChannel === undefined) throw new Error(`createOpenChannel failed: ${JSON.stringify(oc.errors)}`)
  const conn = await agent.query<{ connectChannel: { id: string } }>('mutation($i: ConnectChannelInput!) { connectChannel(input: $i) { id } }', {
    i: { openChannelId: oc.data.createOpenChannel.id, connector: 'test', externalAccountId: `bench-${runId}`, settings: { secret, apiBaseUrl: 'http://127.0.0.1:9' } }
  })
  if (conn.data?.connectChannel === undefined) throw new Error(`connectChannel failed: ${JSON.stringify(conn.errors)}`)
  return { agent, webhookPath: `/plugins/test-connector/webhook/${conn.data.connectChannel.id}` }
}

interface Results {
  closed: ClosedResult
  open: OpenResult | null
  raw: RawResult
  /** Machine CPU already busy before the run (other jobs): figures are comparable only on an idle machine. */
  backgroundPct: number
  /** PostgreSQL transactions per message over phases 1–2 (below 1 when ingest batches). */
  commitsPerMessage: number
}

async function main (): Promise<Results> {
  const admin = { email: `bench-${runId}@openline.test`, password: `bench-${randomBytes(8).toString('hex')}` }
  const prefix = `bench:${randomBytes(6).toString('hex')}:`
  log(`ingest bench: ${opts.messages} messages at concurrency ${opts.concurrency} from ${opts.clients} clients; open loop ${opts.rate} msg/s for ${opts.seconds} s`)
  const idle = cpuMark()
  await sleep(1000)
  const backgroundPct = cpuSince(idle, -1).machinePct
  if (backgroundPct > 10) log(`warning: the machine is already ${backgroundPct}% busy; figures will be lower than on an idle machine`)

  const databaseUrl = await recreateDatabase(databaseName)
  let server: BenchServer | null = null
  let agent: AgentClient | null = null
  let http: Pool | null = null
  let probe: PgProbe | null = null
  try {
    const nodeArgs = [...opts.serverArgs, ...(opts.profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${opts.profile}`])]
    server = await startServer({ databaseUrl, redisPrefix: prefix, plugins: ['test-connector'], admin, databasePoolMax: opts.dbPool, nodeArgs })
    log(`server ${server.url} (pid ${server.pid})`)
    probe = await pgProbe(databaseUrl)
    const ctx = await setup(server.url, admin)
    agent = ctx.agent
    const sub = await agent.subscribe<{ messageAdded: { id: string, body: string } }>('subscription { messageAdded { id body } }')
    const consumer = consume(sub)
    http = new Pool(server.url, { connections: opts.concurrency, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: 30_000, bodyTimeout: 30_000 })
    const send = createSender(http, ctx.webhookPath)

    // Warm-up (JIT, pools, caches) with its own clients, so phase 1 still opens conversations.
    const warm = newPhase()
    await closedLoop(opts.warmup, opts.concurrency, (i) => send(warm, message('w', i, `w${i % 100}`), performance.now()))
    await settlePushes(warm, 5000)
    if (warm.failed > 0) log(`warm-up failures: ${failuresText(warm)}`)

    log('phase 1: closed loop')
    const before = await probe.mark()
    const closed = await closedPhase(send, probe, server.pid)
    let open: OpenResult | null = null
    if (opts.rate > 0) {
      await sleep(1000) // let phase 1's backlog (autovacuum, GC) pass: phase 2 measures a steady rate
      log('phase 2: open loop')
      open = await openPhase(send, probe, server.pid)
    }
    consumer.stop()
    sub.close()

    // The raw baseline gets the machine the app had: stop the app first.
    await http.close()
    http = null
    await agent.close()
    agent = null
    await server.stop()
    server = null
    // Backends report their counters when they exit: count now that the app's pool is closed.
    const messages = opts.messages + (open === null ? 0 : opts.rate * opts.seconds)
    const commitsPerMessage = pgSince(before, await probe.mark()).commits / messages
    log('phase 3: raw PostgreSQL INSERTs')
    const raw = await rawPhase(databaseUrl, probe)
    return { closed, open, raw, backgroundPct, commitsPerMessage }
  } finally {
    await probe?.close()
    await http?.close().catch(() => {})
    await agent?.close().catch(() => {})
    await server?.stop().catch(() => {})
    await clearRedisPrefix(redisUrl, prefix).catch(err => log(`redis cleanup failed: ${err.message}`))
    await dropDatabase(databaseName).catch(err => log(`database drop failed: ${err.message}`))
  }
}

// ---------------------------------------------------------------------------------------------
// Report

function latencyText (s: Summary): string {
  return `p50 ${ms(s.p50)} ms  p90 ${ms(s.p90)} ms  p99 ${ms(s.p99)} ms  max ${ms(s.max)} ms  (n=${s.count})`
}

function otherText (c: CpuUse): string {
  const top = Object.entries(c.otherTop)
  return top.length === 0 ? '' : ` (${top.map(([name, v]) => `${name} ${v}`).join(', ')})`
}

/** CPU µs per message (or row): robust to other jobs on the machine, unlike the rates. */
function perMessage (b: Background, count: number): { app: number, postgres: number, redis: number, loadGenerator: number } {
  const c = b.cpu
  return { app: perUnitMicros(c.serverPct, c, count), postgres: perUnitMicros(c.postgresPct, c, count), redis: perUnitMicros(c.redisPct, c, count), loadGenerator: perUnitMicros(c.loadGeneratorPct, c, count) }
}

function perMessageText (b: Background, count: number, unit: string): string {
  const u = perMessage(b, count)
  return `${unit === 'row' ? '' : `app ${u.app} µs, `}PostgreSQL ${u.postgres} µs, ${unit === 'row' ? '' : `Redis ${u.redis} µs, `}load generator ${u.loadGenerator} µs`
}

function backgroundText (b: Background): string {
  const c = b.cpu
  return `machine ${c.machinePct}% busy; % of one core: app ${c.serverPct}, PostgreSQL ${c.postgresPct}, Redis ${c.redisPct}, load generator ${c.loadGeneratorPct}, other ${c.otherPct}${otherText(c)}; ` +
    `checkpoints ${b.pg.checkpoints}, autovacuum/analyze runs ${b.pg.autovacuums}`
}

function report (r: Results): void {
  const ratio = r.closed.msgsPerSec / r.raw.rowsPerSec
  const verdict = (ok: boolean): string => ok ? 'OK' : 'MISSED'
  const out: string[] = [
    '',
    `== Ingest benchmark: ${opts.messages} msgs, concurrency ${opts.concurrency}, ${opts.clients} clients, ${r.closed.cpu.cores} cores, machine ${r.backgroundPct}% busy before the run ==`,
    'Phase 1: closed loop through the test connector webhook',
    `  throughput            ${Math.round(r.closed.msgsPerSec)} msgs/s${r.closed.failed > 0 ? `  (${r.closed.failed} failed)` : ''}`,
    `  webhook latency       ${latencyText(r.closed.webhook)}`,
    `  webhook→push latency  ${latencyText(r.closed.push)}`,
    `  missing pushes        ${r.closed.missingPushes}`,
    `  commits per message   ${r.commitsPerMessage.toFixed(2)} (phases 1 and 2 together: PostgreSQL transactions ÷ messages)`,
    `  CPU per message       ${perMessageText(r.closed, opts.messages, 'msg')}`,
    `  during the phase      ${backgroundText(r.closed)}`
  ]
  if (r.open !== null) {
    out.push(
      `Phase 2: open loop at ${r.open.targetRate} msgs/s for ${opts.seconds} s (latency from the planned send time)`,
      `  achieved rate         ${Math.round(r.open.achievedRate)} msgs/s${r.open.failed > 0 ? `  (${r.open.failed} failed)` : ''}`,
      `  webhook latency       ${latencyText(r.open.webhook)}`,
      `  webhook→push latency  ${latencyText(r.open.push)}`,
      `  push p99 per second   ${r.open.pushP99BySecond.join(' / ')} ms`,
      `  missing pushes        ${r.open.missingPushes}`,
      `  CPU per message       ${perMessageText(r.open, opts.rate * opts.seconds, 'msg')}`,
      `  during the phase      ${backgroundText(r.open)}`
    )
  }
  out.push(
    `Phase 3: raw PostgreSQL single-row INSERT (autocommit), ${opts.concurrency} connections`,
    `  commit rate           ${Math.round(r.raw.rowsPerSec)} rows/s`,
    `  insert latency        ${latencyText(r.raw.insert)}`,
    `  CPU per row           ${perMessageText(r.raw, opts.messages, 'row')}`,
    `  during the phase      ${backgroundText(r.raw)}`,
    'Targets',
    `  ingest ÷ raw          ${ratio.toFixed(2)} (target ≥ ${targets.ratio})  ${verdict(ratio >= targets.ratio)}`
  )
  if (r.open !== null) {
    const ok = r.open.push.p99 < targets.pushP99Ms && r.open.missingPushes === 0 && r.open.achievedRate >= 0.98 * r.open.targetRate
    out.push(`  push p99 at ${r.open.targetRate}/s   ${ms(r.open.push.p99)} ms (target < ${targets.pushP99Ms} ms, no missing push)  ${verdict(ok)}`)
  }
  out.push('')
  process.stdout.write(out.join('\n') + '\n')

  const round = (s: Summary): Record<string, number> => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, k === 'count' ? v : ms(v)]))
  const phase = (p: ClosedResult | OpenResult, count: number): Record<string, unknown> => ({ webhookMs: round(p.webhook), pushMs: round(p.push), missingPushes: p.missingPushes, failed: p.failed, cpu: p.cpu, cpuMicrosPerMessage: perMessage(p, count), pg: p.pg })
  process.stdout.write(JSON.stringify({
    bench: 'ingest',
    date: new Date().toISOString(),
    options: { messages: opts.messages, concurrency: opts.concurrency, clients: opts.clients, rate: opts.rate, seconds: opts.seconds, warmup: opts.warmup },
    cores: r.closed.cpu.cores,
    backgroundPct: r.backgroundPct,
    closed: { msgsPerSec: Math.round(r.closed.msgsPerSec), ...phase(r.closed, opts.messages) },
    open: r.open === null ? null : { targetRate: r.open.targetRate, achievedRate: Math.round(r.open.achievedRate), ...phase(r.open, opts.rate * opts.seconds), pushP99BySecond: r.open.pushP99BySecond },
    raw: { rowsPerSec: Math.round(r.raw.rowsPerSec), insertMs: round(r.raw.insert), cpu: r.raw.cpu, cpuMicrosPerRow: perMessage(r.raw, opts.messages), pg: r.raw.pg },
    ratio: Math.round(ratio * 1000) / 1000,
    commitsPerMessage: Math.round(r.commitsPerMessage * 1000) / 1000,
    unexpectedPushes,
    pushErrors
  }) + '\n')
}

main().then((r) => {
  report(r)
  // The subscription reader may still wait on its long timer: leave now that everything is cleaned up.
  process.exit(0)
}, (err) => {
  process.stderr.write(`ingest bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exit(1)
})
