// Routing benchmark (issue #3, "Measured"). See scripts/bench/README.md, section Routing.
//   node scripts/bench/routing.ts [--agents 10,100,1000,10000] [--reps R] [--warmup W]
//        [--rate C] [--seconds S] [--pool-agents A] [--skip-decision] [--skip-assign] [--profile DIR]
// Phase 1, decision time: the app is built in this process (no job workers, so the only routing
// pass running is the one timed) and `core.routing.route(openChannelId)` is timed for one waiting
// conversation at a time, with N agents in the queue (one department of N members), for the
// first-party strategies `evenly` and `in-order`, and for `evenly` with availability checked
// against Redis presence (every agent online). Phase 2, time-to-assign: the app runs in a child
// process (./lib/server.ts); conversations arrive through the test connector webhook at a fixed
// rate (open loop) and each one's time from its planned send to its assignment is measured.
import { parseArgs } from 'node:util'
import { randomBytes } from 'node:crypto'
import { Pool } from 'undici'
import pg from 'pg'
import { buildApp, loadConfig, auth, type Core } from '@openline/core'
import { agentClient, sign, clearRedisPrefix, testConnectorPlugin, type AgentClient } from '@openline/testing'
import evenlyPlugin from '@openline/plugin-queue-evenly'
import inOrderPlugin from '@openline/plugin-queue-in-order'
import { recreateDatabase, dropDatabase } from './lib/database.ts'
import { startServer, type BenchServer } from './lib/spawn.ts'
import { summarize, ms, type Summary } from './lib/stats.ts'
import { cpuMark, cpuSince } from './lib/cpu.ts'
import { seedAgents, createDepartment } from './lib/seed.ts'
// The presence layout itself (not exported by @openline/core): the bench writes connections as an instance would.
import { presenceKeys, writeOpened } from '../../core/src/routing/presence.ts'
import { intFlag } from './lib/flags.ts'

const databaseName = 'openline_bench_routing'
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const secret = 'bench-secret-0123456789'
const targets = { ratio: 2 }
/** The strategies timed; the last variant also checks availability against Redis presence (every agent online). */
const variants = [
  { label: 'evenly', strategy: 'evenly', presence: false },
  { label: 'in-order', strategy: 'in-order', presence: false },
  { label: 'evenly+presence', strategy: 'evenly', presence: true }
] as const


const { values: flags } = parseArgs({
  options: {
    agents: { type: 'string' },
    reps: { type: 'string' },
    warmup: { type: 'string' },
    rate: { type: 'string' },
    seconds: { type: 'string' },
    'pool-agents': { type: 'string' },
    'skip-decision': { type: 'boolean' },
    'skip-assign': { type: 'boolean' },
    profile: { type: 'string' }
  }
})
const opts = {
  agents: (flags.agents ?? '10,100,1000,10000').split(',').map(s => intFlag(s.trim(), 'agents', 10, 1, 100_000)),
  reps: intFlag(flags.reps, 'reps', 200, 1, 100_000),
  warmup: intFlag(flags.warmup, 'warmup', 30, 0, 10_000),
  rate: intFlag(flags.rate, 'rate', 200, 1, 10_000),
  seconds: intFlag(flags.seconds, 'seconds', 10, 1, 300),
  poolAgents: intFlag(flags['pool-agents'], 'pool-agents', 50, 1, 1000),
  decision: flags['skip-decision'] !== true,
  assign: flags['skip-assign'] !== true,
  profile: flags.profile
}

const runId = randomBytes(4).toString('hex')
const sleep = (msec: number): Promise<void> => new Promise(resolve => setTimeout(resolve, msec))
const log = (text: string): void => { process.stderr.write(text + '\n') }
const round = (s: Summary): Record<string, number> => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, k === 'count' ? v : ms(v)]))

// ---------------------------------------------------------------------------------------------
// Shared set-up over the agent API

async function signIn (url: string, admin: { email: string, password: string }): Promise<AgentClient> {
  const login = await agentClient(url, null).query<{ login: { token: string } }>('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: admin.email, p: admin.password })
  if (login.data?.login?.token === undefined) throw new Error(`login failed: ${JSON.stringify(login.errors)}`)
  return agentClient(url, login.data.login.token)
}

async function must<T> (what: string, res: Promise<{ data?: T, errors?: unknown }>): Promise<T> {
  const r = await res
  if (r.data === undefined || r.data === null || r.errors !== undefined) throw new Error(`${what}: ${JSON.stringify(r.errors)}`)
  return r.data
}

/** An open channel with queue settings and a test connection; returns ids and the connection's account. */
async function benchChannel (admin: AgentClient, name: string, queue: Record<string, unknown>): Promise<{ openChannelId: string, connectionId: string, account: string }> {
  const oc = await must('createOpenChannel', admin.query<{ createOpenChannel: { id: string } }>('mutation($n: String!) { createOpenChannel(input: { name: $n }) { id } }', { n: name }))
  const openChannelId = oc.createOpenChannel.id
  await must('updateOpenChannelSettings', admin.query('mutation($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "queue", values: $v) { id } }', { id: openChannelId, v: queue }))
  const account = `bench-${runId}-${name}`
  const conn = await must('connectChannel', admin.query<{ connectChannel: { id: string } }>('mutation($i: ConnectChannelInput!) { connectChannel(input: $i) { id } }', {
    i: { openChannelId, connector: 'test', externalAccountId: account, settings: { secret, apiBaseUrl: 'http://127.0.0.1:9' } }
  }))
  return { openChannelId, connectionId: conn.connectChannel.id, account }
}

// ---------------------------------------------------------------------------------------------
// Phase 1: the time of one routing decision against the queue size

interface DecisionResult { agents: number, variant: string, route: Summary }

async function decisionPhase (databaseUrl: string, prefix: string): Promise<DecisionResult[]> {
  const port = 0
  const config = loadConfig({
    overrides: {
      environment: 'production',
      host: '127.0.0.1',
      port,
      publicUrl: 'http://127.0.0.1:3000',
      secretKey: randomBytes(32).toString('hex'),
      databaseUrl,
      redisPrefix: prefix,
      logLevel: 'warn',
      // The bench names its plugins itself (not the shipped configuration's list).
      plugins: [],
      // No workers: the only routing pass running is the one being timed.
      jobs: { process: false }
    }
  })
  const app = await buildApp(config, { plugins: [{ definition: testConnectorPlugin }, { definition: evenlyPlugin }, { definition: inOrderPlugin }], migrate: true })
  const address = await app.listen({ port, host: '127.0.0.1' })
  const core: Core = app.core
  const results: DecisionResult[] = []
  try {
    const admin = { email: `bench-${runId}@openline.test`, password: `bench-${randomBytes(8).toString('hex')}` }
    await auth.createUser(core, { email: admin.email, name: 'Bench Admin', password: admin.password, role: 'admin' })
    const client = await signIn(address, admin)
    const largest = Math.max(...opts.agents)
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 })
    pool.on('error', () => {})
    let agentIds: string[]
    try {
      log(`seeding ${largest} agents`)
      agentIds = await seedAgents(pool, largest, `d${runId}`)
      for (const n of opts.agents) {
        const departmentId = await createDepartment(pool, `bench-${n}-${runId}`, agentIds.slice(0, n))
        for (const variant of variants) {
          const channel = await benchChannel(client, `${variant.label}-${n}`, {
            strategy: variant.strategy,
            members: [{ departmentId }],
            checkAvailability: variant.presence,
            limit: { enabled: true, maxConversations: 1000 }
          })
          if (variant.presence) await markOnline(core, agentIds.slice(0, n))
          const samples: number[] = []
          for (let r = 0; r < opts.warmup + opts.reps; r++) {
            await core.ingest({ connector: 'test', externalAccountId: channel.account, externalUserId: `c-${r}`, externalMessageId: `m-${r}`, text: 'Hello, I need help with my order' })
            // Let the ingest's after-commit work (pub/sub, routing job enqueue) finish outside the timed call.
            await sleep(2)
            const start = performance.now()
            const outcome = await core.routing.route(channel.openChannelId)
            const elapsed = performance.now() - start
            if (outcome.assigned !== 1) throw new Error(`expected one assignment, got ${JSON.stringify(outcome)}`)
            if (r >= opts.warmup) samples.push(elapsed)
          }
          const route = summarize(samples)
          results.push({ agents: n, variant: variant.label, route })
          log(`  ${variant.label.padEnd(16)} ${String(n).padStart(6)} agents: p50 ${ms(route.p50)} ms  p99 ${ms(route.p99)} ms`)
        }
      }
    } finally {
      await pool.end()
    }
    await client.close()
  } finally {
    // Let the last passes' subscription pushes leave before the connections close.
    await sleep(200)
    await app.close()
  }
  return results
}

/**
 * Presence as agent connections would leave it (core/src/routing/presence.ts): one connection per
 * agent, held by a stand-in instance whose heartbeat lasts an hour.
 */
async function markOnline (core: Core, userIds: string[]): Promise<void> {
  const instance = `bench-${runId}`
  await core.redis.zadd(core.redisKey(presenceKeys.instances), Date.now() + 3_600_000, instance)
  for (let i = 0; i < userIds.length; i += 1000) {
    const batch = core.redis.multi()
    for (const id of userIds.slice(i, i + 1000)) writeOpened(batch, core.redisKey, { connectionId: `bench-${id}`, userId: id, instanceId: instance })
    await batch.exec()
  }
}

// ---------------------------------------------------------------------------------------------
// Phase 2: time-to-assign under a steady arrival rate

interface AssignResult {
  targetRate: number
  achievedRate: number
  sent: number
  failed: number
  assigned: number
  /** Planned send → `assigned_at` (the start of the routing transaction that assigned it). */
  toAssignedAt: Summary
  /** Planned send → the `conversationUpdated` push with status assigned, received by a supervisor. */
  toPush: Summary
  webhook: Summary
  perAgent: { min: number, max: number }
  cpu: ReturnType<typeof cpuSince>
}

async function assignPhase (databaseUrl: string, prefix: string): Promise<AssignResult> {
  const admin = { email: `bench-${runId}@openline.test`, password: `bench-${randomBytes(8).toString('hex')}` }
  const nodeArgs = opts.profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${opts.profile}`]
  let server: BenchServer | null = null
  let http: Pool | null = null
  let client: AgentClient | null = null
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 })
  pool.on('error', () => {})
  try {
    server = await startServer({ databaseUrl, redisPrefix: prefix, plugins: ['test-connector', 'queue-evenly'], admin, nodeArgs })
    log(`server ${server.url} (pid ${server.pid})`)
    client = await signIn(server.url, admin)
    const agentIds = await seedAgents(pool, opts.poolAgents, `a${runId}`)
    const channel = await benchChannel(client, 'assign', {
      strategy: 'evenly',
      members: agentIds.map(userId => ({ userId })),
      checkAvailability: false,
      limit: { enabled: true, maxConversations: 1000 }
    })

    // A supervisor sees every conversation's updates: the first with status assigned is the push time.
    const pushedAt = new Map<string, number>()
    const sub = await client.subscribe<{ conversationUpdated: { id: string, status: string } }>('subscription { conversationUpdated { id status } }')
    let reading = true
    void (async () => {
      while (reading) {
        let res
        try { res = await sub.next(600_000) } catch { continue }
        const c = res.data?.conversationUpdated
        if (c !== undefined && c.status === 'assigned' && !pushedAt.has(c.id)) pushedAt.set(c.id, performance.timeOrigin + performance.now())
      }
    })()

    http = new Pool(server.url, { connections: 64, pipelining: 1, keepAliveTimeout: 60_000 })
    const path = `/plugins/test-connector/webhook/${channel.connectionId}`
    const send = async (tag: string, i: number): Promise<{ ok: boolean, conversationId?: string }> => {
      const raw = JSON.stringify({ userId: `${tag}-${i}`, messageId: `${runId}-${tag}-${i}`, text: `Hello ${i}, my order has not arrived yet` })
      try {
        const res = await (http as Pool).request({ path, method: 'POST', headers: { 'content-type': 'application/json', 'x-test-signature': sign(secret, raw) }, body: raw })
        const body = await res.body.json() as { conversationId?: string }
        return { ok: res.statusCode === 200, conversationId: body.conversationId }
      } catch {
        return { ok: false }
      }
    }
    // Warm-up: JIT, pools; these conversations are assigned too but not measured.
    for (let i = 0; i < 100; i++) await send('warm', i)
    await sleep(1000)

    const total = opts.rate * opts.seconds
    const planned = new Map<string, number>()
    const webhook: number[] = []
    let failed = 0
    const interval = 1000 / opts.rate
    const t0 = performance.now() + 20
    const inflight: Promise<void>[] = []
    const cpuStart = cpuMark()
    let lastDone = t0
    for (let issued = 0; issued < total;) {
      const now = performance.now()
      while (issued < total && t0 + issued * interval <= now) {
        const at = t0 + issued * interval
        const i = issued++
        inflight.push(send('c', i).then((r) => {
          const done = performance.now()
          lastDone = Math.max(lastDone, done)
          webhook.push(done - at)
          if (r.ok && r.conversationId !== undefined) planned.set(r.conversationId, performance.timeOrigin + at)
          else failed++
        }))
      }
      if (issued < total) await sleep(Math.max(0, Math.floor(t0 + issued * interval - performance.now())))
    }
    await Promise.all(inflight)
    const achievedRate = planned.size / ((lastDone - t0) / 1000)
    // Everything assigned (or 15 s passed).
    const ids = [...planned.keys()]
    const deadline = Date.now() + 15_000
    let rows: { id: string, at: number | null, assignee: string | null }[] = []
    for (;;) {
      rows = (await pool.query<{ id: string, at: number | null, assignee: string | null }>(
        'select id::text, extract(epoch from assigned_at)::float8 * 1000 as at, assignee_id::text as assignee from conversations where id = any($1::bigint[])', [ids])).rows
      if (rows.every(r => r.at !== null) || Date.now() > deadline) break
      await sleep(200)
    }
    const cpu = cpuSince(cpuStart, server.pid)
    await sleep(500)
    reading = false
    sub.close()
    const toAssignedAt: number[] = []
    const toPush: number[] = []
    const perAgent = new Map<string, number>()
    for (const r of rows) {
      const sentAt = planned.get(r.id) as number
      if (r.at !== null) toAssignedAt.push(Number(r.at) - sentAt)
      const pushed = pushedAt.get(r.id)
      if (pushed !== undefined) toPush.push(pushed - sentAt)
      if (r.assignee !== null) perAgent.set(r.assignee, (perAgent.get(r.assignee) ?? 0) + 1)
    }
    return {
      targetRate: opts.rate,
      achievedRate,
      sent: total,
      failed,
      assigned: toAssignedAt.length,
      toAssignedAt: summarize(toAssignedAt),
      toPush: summarize(toPush),
      webhook: summarize(webhook),
      perAgent: { min: Math.min(...perAgent.values()), max: Math.max(...perAgent.values()) },
      cpu
    }
  } finally {
    await pool.end()
    await http?.close().catch(() => {})
    await client?.close().catch(() => {})
    await server?.stop().catch(() => {})
  }
}

// ---------------------------------------------------------------------------------------------
// Run and report

async function main (): Promise<void> {
  log(`routing bench: decision time for ${opts.agents.join(', ')} agents (${opts.reps} reps, ${opts.warmup} warm-up); time-to-assign at ${opts.rate}/s for ${opts.seconds} s with ${opts.poolAgents} agents`)
  const idle = cpuMark()
  await sleep(1000)
  const backgroundPct = cpuSince(idle, -1).machinePct
  if (backgroundPct > 10) log(`warning: the machine is already ${backgroundPct}% busy; figures will be worse than on an idle machine`)
  let decision: DecisionResult[] = []
  let assign: AssignResult | null = null
  if (opts.decision) {
    const prefix = `bench:${randomBytes(6).toString('hex')}:`
    const url = await recreateDatabase(databaseName)
    try {
      log('phase 1: routing decision time')
      decision = await decisionPhase(url, prefix)
    } finally {
      await clearRedisPrefix(redisUrl, prefix).catch(err => log(`redis cleanup failed: ${err.message}`))
      await dropDatabase(databaseName).catch(err => log(`database drop failed: ${err.message}`))
    }
  }
  if (opts.assign) {
    const prefix = `bench:${randomBytes(6).toString('hex')}:`
    const url = await recreateDatabase(databaseName)
    try {
      log(`phase 2: time-to-assign at ${opts.rate} conversations/s`)
      assign = await assignPhase(url, prefix)
    } finally {
      await clearRedisPrefix(redisUrl, prefix).catch(err => log(`redis cleanup failed: ${err.message}`))
      await dropDatabase(databaseName).catch(err => log(`database drop failed: ${err.message}`))
    }
  }

  const out: string[] = ['', `== Routing benchmark: ${idle.byPid.size > 0 ? `${cpuSince(idle, -1).cores} cores, ` : ''}machine ${backgroundPct}% busy before the run ==`]
  const ratios: Record<string, number> = {}
  if (decision.length > 0) {
    out.push(`Decision time: core.routing.route() for one waiting conversation (${opts.reps} reps each; ms)`)
    out.push(`  ${'agents'.padStart(8)}  ${variants.map(v => `${v.label} p50 / p99`.padStart(30)).join('')}`)
    for (const n of opts.agents) {
      const cells = variants.map(v => {
        const r = decision.find(d => d.agents === n && d.variant === v.label)
        return (r === undefined ? '' : `${ms(r.route.p50)} / ${ms(r.route.p99)}`).padStart(30)
      })
      out.push(`  ${String(n).padStart(8)}  ${cells.join('')}`)
    }
    const lo = Math.min(...opts.agents)
    const hi = Math.max(...opts.agents)
    for (const v of variants) {
      const a = decision.find(d => d.agents === lo && d.variant === v.label)
      const b = decision.find(d => d.agents === hi && d.variant === v.label)
      if (a !== undefined && b !== undefined) ratios[v.label] = Math.round(100 * b.route.p50 / a.route.p50) / 100
    }
    const headline = variants.filter(v => !v.presence).map(v => ratios[v.label])
    out.push(`  p50 ratio ${hi} ÷ ${lo} agents: ${variants.map(v => `${v.label} ${ratios[v.label]}×`).join(', ')} (target ≤ ${targets.ratio}× without presence)  ${headline.every(r => r <= targets.ratio) ? 'OK' : 'MISSED'}`)
  }
  if (assign !== null) {
    const a = assign
    out.push(`Time-to-assign: ${a.targetRate} new conversations/s for ${opts.seconds} s, ${opts.poolAgents} agents, strategy evenly (latency from the planned send time)`)
    out.push(`  achieved rate         ${Math.round(a.achievedRate)}/s; ${a.assigned} of ${a.sent} assigned${a.failed > 0 ? `; ${a.failed} webhooks failed` : ''}; per agent ${a.perAgent.min}–${a.perAgent.max}`)
    out.push(`  send → assigned_at    p50 ${ms(a.toAssignedAt.p50)} ms  p90 ${ms(a.toAssignedAt.p90)} ms  p99 ${ms(a.toAssignedAt.p99)} ms  max ${ms(a.toAssignedAt.max)} ms`)
    out.push(`  send → assigned push  p50 ${ms(a.toPush.p50)} ms  p90 ${ms(a.toPush.p90)} ms  p99 ${ms(a.toPush.p99)} ms  max ${ms(a.toPush.max)} ms  (n=${a.toPush.count})`)
    out.push(`  webhook latency       p50 ${ms(a.webhook.p50)} ms  p99 ${ms(a.webhook.p99)} ms`)
    out.push(`  during the phase      machine ${a.cpu.machinePct}% busy; % of one core: app ${a.cpu.serverPct}, PostgreSQL ${a.cpu.postgresPct}, Redis ${a.cpu.redisPct}, load generator ${a.cpu.loadGeneratorPct}, other ${a.cpu.otherPct}`)
  }
  out.push('')
  process.stdout.write(out.join('\n') + '\n')
  process.stdout.write(JSON.stringify({
    bench: 'routing',
    date: new Date().toISOString(),
    options: { agents: opts.agents, reps: opts.reps, warmup: opts.warmup, rate: opts.rate, seconds: opts.seconds, poolAgents: opts.poolAgents },
    cores: cpuSince(idle, -1).cores,
    backgroundPct,
    decision: decision.map(d => ({ agents: d.agents, variant: d.variant, routeMs: round(d.route) })),
    decisionRatio: ratios,
    assign: assign === null
      ? null
      : { targetRate: assign.targetRate, achievedRate: Math.round(assign.achievedRate), sent: assign.sent, assigned: assign.assigned, failed: assign.failed, toAssignedAtMs: round(assign.toAssignedAt), toPushMs: round(assign.toPush), webhookMs: round(assign.webhook), perAgent: assign.perAgent, cpu: assign.cpu }
  }) + '\n')
}

main().then(() => process.exit(0), (err) => {
  process.stderr.write(`routing bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exit(1)
})
