// KPI statistics benchmark (issue #6, "Measured"). See scripts/bench/README.md, section stats.
//   node scripts/bench/stats.ts [--conversations N] [--messages-per M] [--agents A] [--channels C]
//        [--months S] [--list-reps R] [--stats-reps Q] [--core-index no|yes|both] [--ratings yes|no] [--keep] [--reuse]
// Generates N conversations with M messages each (generate_series in SQL, in a scratch database),
// the kpi plugin's rows that match them and (with --ratings yes, the default) the ratings plugin's
// rows of 30 % of them, then times, through GraphQL over HTTP against the real app with the kpi
// plugin (and the ratings plugin): (a) the core conversation list with the KPI columns, walked
// with keyset cursors, (b) kpiStatistics for a month (by day, by agent) and for one agent.
import { parseArgs } from 'node:util'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { buildApp, loadConfig, auth } from '@openline/core'
import { agentClient, clearRedisPrefix, type AgentClient } from '@openline/testing'
import kpiPlugin from '../../plugins/kpi/src/index.ts'
import ratingsPlugin from '../../plugins/ratings/src/index.ts'
import { recreateDatabase, dropDatabase, databaseUrl, adminUrl } from './lib/database.ts'
import { percentile, ms } from './lib/stats.ts'
import { seedAgents } from './lib/seed.ts'
import { cpuMark, cpuSince, perUnitMicros, type CpuMark } from './lib/cpu.ts'
import { intFlag } from './lib/flags.ts'

const databaseName = 'openline_bench_stats'
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const targets = { listP95Ms: 20, statsP95Ms: 500 }
/** A response slower than this counts as late in the generated figures. */
const lateAfterSec = 600
/** Client messages of one conversation are this far apart; each answer follows within 5–904 s. */
const turnSec = 900


const { values: flags } = parseArgs({
  options: {
    conversations: { type: 'string' },
    'messages-per': { type: 'string' },
    agents: { type: 'string' },
    channels: { type: 'string' },
    months: { type: 'string' },
    'list-reps': { type: 'string' },
    'stats-reps': { type: 'string' },
    'core-index': { type: 'string' },
    ratings: { type: 'string' },
    keep: { type: 'boolean' },
    reuse: { type: 'boolean' }
  }
})
const coreIndex = flags['core-index'] ?? 'both'
if (!['no', 'yes', 'both'].includes(coreIndex)) throw new Error('--core-index must be no, yes or both')
const ratings = flags.ratings ?? 'yes'
if (!['no', 'yes'].includes(ratings)) throw new Error('--ratings must be yes or no')
const opts = {
  conversations: intFlag(flags.conversations, 'conversations', 1_000_000, 100, 20_000_000),
  messagesPer: intFlag(flags['messages-per'], 'messages-per', 10, 2, 100),
  agents: intFlag(flags.agents, 'agents', 100, 1, 10_000),
  channels: intFlag(flags.channels, 'channels', 10, 1, 1000),
  months: intFlag(flags.months, 'months', 12, 2, 13),
  listReps: intFlag(flags['list-reps'], 'list-reps', 1000, 10, 100_000),
  statsReps: intFlag(flags['stats-reps'], 'stats-reps', 40, 5, 10_000),
  coreIndex: coreIndex as 'no' | 'yes' | 'both',
  ratings: ratings === 'yes',
  keep: flags.keep === true || flags.reuse === true,
  reuse: flags.reuse === true
}

const runId = randomBytes(4).toString('hex')
const log = (text: string): void => { process.stderr.write(text + '\n') }
const seconds = (msec: number): string => `${(msec / 1000).toFixed(1)} s`

/**
 * Latency of the timed requests, and CPU time per request of the app (this process: the app and
 * the sequential client) and of PostgreSQL, with how busy the machine was: on a shared machine
 * the CPU figures move much less than the latencies.
 */
interface Timing { count: number, p50: number, p95: number, max: number, appCpuUs: number, postgresCpuUs: number, machineBusyPct: number, otherCores: number }

function timing (samples: number[], mark: CpuMark): Timing {
  const use = cpuSince(mark, process.pid)
  const sorted = Float64Array.from(samples).sort()
  return {
    count: sorted.length,
    p50: ms(percentile(sorted, 50)),
    p95: ms(percentile(sorted, 95)),
    max: ms(sorted[sorted.length - 1]),
    appCpuUs: perUnitMicros(use.loadGeneratorPct + use.serverPct, use, sorted.length),
    postgresCpuUs: perUnitMicros(use.postgresPct, use, sorted.length),
    machineBusyPct: use.machinePct,
    otherCores: Math.round(use.otherPct) / 100
  }
}

const describe = (t: Timing): string =>
  `p50 ${String(t.p50).padStart(7)} ms  p95 ${String(t.p95).padStart(7)} ms  CPU/request app ${t.appCpuUs} µs, PostgreSQL ${t.postgresCpuUs} µs  (machine ${t.machineBusyPct} % busy, others ${t.otherCores} cores)`

// ---------------------------------------------------------------------------------------------
// Generation: everything in SQL, in chunks, with foreign-key triggers off (session_replication_role)

interface World { channelIds: string[], connectionIds: string[], agentIds: string[], start: Date, end: Date }

/** Seconds the answer at position `j` (odd) of conversation `g` took: spread 5–904 s by a fixed hash. */
const answerSql = (g: string, j: string): string => `(5 + ((${g}::bigint * 7919 + ${j}::bigint * 104729) % 900))`

/** Bench-made ids only: a PostgreSQL array literal. */
const ids = (list: string[]): string => `'{${list.join(',')}}'::bigint[]`

async function generate (url: string): Promise<World> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const pool = new pg.Pool({ connectionString: url, max: 1 })
  try {
    const n = opts.conversations
    const m = opts.messagesPer
    const end = new Date()
    const start = new Date(end.getTime())
    start.setUTCMonth(start.getUTCMonth() - opts.months)
    const step = (end.getTime() - start.getTime()) / 1000 / n
    const agentIds = await seedAgents(pool, opts.agents, runId)
    const channels = await client.query<{ id: string }>('insert into open_channels (name) select \'Bench channel \' || g from generate_series(1, $1::int) g returning id::text', [opts.channels])
    const channelIds = channels.rows.map(r => r.id)
    const connections = await client.query<{ id: string }>(
      'insert into channel_connections (open_channel_id, connector, external_account_id) select id, \'test\', \'bench-\' || id from unnest($1::bigint[]) id returning id::text', [channelIds])
    const connectionIds = connections.rows.map(r => r.id)
    // Conversation g (1..n) is the g-th by creation time; its channel, connection and agent follow from g.
    // Every constant below is the bench's own number or id, written into the SQL; $1..$2 is the chunk.
    const channelOf = `(${ids(channelIds)})[1 + g % ${channelIds.length}]`
    const connectionOf = `(${ids(connectionIds)})[1 + g % ${connectionIds.length}]`
    const agentOf = `(${ids(agentIds)})[1 + (g * 7) % ${agentIds.length}]`
    /** When message `j` of conversation `g` was written: client messages every turn, each answer 5–904 s later. */
    const at = (j: string): string =>
      `(to_timestamp(${start.getTime() / 1000} + (g - 1) * ${step}::float8) + make_interval(secs => (${j}) / 2 * ${turnSec} + case when (${j}) % 2 = 1 then ${answerSql('g', j)} else 0 end))`
    const openFrom = n - Math.floor(n / 50)
    const lastJ = m - 1
    const lastClient = lastJ % 2 === 0 ? lastJ : lastJ - 1
    const lastAgent = lastJ % 2 === 1 ? lastJ : lastJ - 1
    await client.query('set session_replication_role = replica')
    const chunk = Math.max(1000, Math.floor(2_000_000 / m))
    for (let lo = 1; lo <= n; lo += chunk) {
      const range = [lo, Math.min(n, lo + chunk - 1)]
      await client.query('begin')
      await client.query('insert into clients (id, name) select g, \'Client \' || g from generate_series($1::bigint, $2::bigint) g', range)
      await client.query(`insert into client_identities (id, client_id, connection_id, external_user_id) select g, g, ${connectionOf}, 'user-' || g from generate_series($1::bigint, $2::bigint) g`, range)
      // The newest 2 % are still open (assigned); the rest closed a minute after their last message.
      await client.query(
        `insert into conversations (id, open_channel_id, connection_id, client_id, client_identity_id, status, assignee_id, created_at, updated_at,
                                    queued_at, assigned_at, first_response_at, last_client_message_at, last_agent_message_at, closed_at, close_reason, message_count)
         select g, ${channelOf}, ${connectionOf}, g, g, case when g >= ${openFrom} then 'assigned' else 'closed' end, ${agentOf},
                ${at('0')}, ${at(String(lastJ))} + interval '1 minute', ${at('0')}, ${at('0')} + interval '2 seconds', ${at('1')}, ${at(String(lastClient))}, ${at(String(lastAgent))},
                case when g >= ${openFrom} then null else ${at(String(lastJ))} + interval '1 minute' end, case when g >= ${openFrom} then null else 'closedByAgent' end, ${m}
           from generate_series($1::bigint, $2::bigint) g`, range)
      // Client messages at even positions, each answered by the conversation's agent at the next.
      await client.query(
        `insert into messages (id, conversation_id, connection_id, external_id, author_kind, author_user_id, visibility, body, created_at, sent_at, delivery_status)
         select (g - 1) * ${m} + j + 1, g, ${connectionOf}, case when j % 2 = 0 then 'm-' || g || '-' || j end,
                case when j % 2 = 0 then 'client' else 'agent' end, case when j % 2 = 1 then ${agentOf} end, 'public',
                case when j % 2 = 0 then 'Question number ' || j || ' about my order' else 'Answer number ' || j || ', thank you for waiting' end,
                ${at('j')}, ${at('j')}, case when j % 2 = 0 then 'none' else 'delivered' end
           from generate_series($1::bigint, $2::bigint) g cross join generate_series(0, ${lastJ}) j`, range)
      await client.query(
        `insert into kpi_responses (message_id, conversation_id, open_channel_id, agent_id, kind, client_message_at, answered_at, seconds)
         select (g - 1) * ${m} + j + 1, g, ${channelOf}, ${agentOf}, case when j = 1 then 'first' else 'later' end, ${at('j - 1')}, ${at('j')}, ${answerSql('g', 'j')}
           from generate_series($1::bigint, $2::bigint) g cross join generate_series(1, ${lastJ}, 2) j`, range)
      await client.query(
        `insert into kpi_conversations (conversation_id, open_channel_id, agent_id, created_at, first_response_sec, response_count, response_sec_sum, late_count, closed_at, resolved)
         select c.id, c.open_channel_id, c.assignee_id, c.created_at, r.first, coalesce(r.n, 0), coalesce(r.total, 0), coalesce(r.late, 0), c.closed_at,
                c.status = 'closed' and r.first is not null
           from conversations c
           left join (select conversation_id, min(seconds) filter (where kind = 'first') as first, count(*) as n, sum(seconds) as total,
                             count(*) filter (where seconds > ${lateAfterSec}) as late
                        from kpi_responses where conversation_id between $1 and $2 group by conversation_id) r on r.conversation_id = c.id
          where c.id between $1 and $2`, range)
      if (opts.ratings) {
        // 30 % of the conversations rated by the client (one in five of them a dislike) a minute after
        // the last message; a third of those also got a supervisor's stars (1–5) an hour later. Chosen
        // by the hundreds and thousands of g, so every agent and channel (from g's last digits) has some.
        await client.query(
          `insert into ratings_scores (conversation_id, client_value, client_source, client_rated_at, stars, stars_at)
           select g, case when (g / 1000) % 5 = 0 then 'dislike' else 'like' end, 'button', ${at(String(lastJ))} + interval '1 minute',
                  case when (g / 100) % 10 = 1 then 1 + (g / 7) % 5 end, case when (g / 100) % 10 = 1 then ${at(String(lastJ))} + interval '1 hour' end
             from generate_series($1::bigint, $2::bigint) g where (g / 100) % 10 in (1, 4, 7)`, range)
      }
      await client.query('commit')
      log(`  generated ${range[1].toLocaleString('en')} of ${n.toLocaleString('en')} conversations`)
    }
    await client.query('set session_replication_role = origin')
    for (const table of ['clients', 'client_identities', 'conversations', 'messages']) {
      await client.query(`select setval(pg_get_serial_sequence('${table}', 'id'), (select max(id) from ${table}))`)
    }
    return { channelIds, connectionIds, agentIds, start, end }
  } finally {
    await pool.end()
    await client.end()
  }
}

/** Visibility map and statistics: index-only scans need the first, the planner the second. */
async function vacuum (url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const tables = ['clients', 'client_identities', 'conversations', 'messages', 'kpi_conversations', 'kpi_responses', 'users', ...(opts.ratings ? ['ratings_scores'] : [])]
    for (const table of tables) await client.query(`vacuum (analyze) ${table}`)
  } finally {
    await client.end()
  }
}

async function readWorld (url: string): Promise<World & { conversations: number, messages: number }> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const q = async (sql: string): Promise<any[]> => (await client.query(sql)).rows
    const [span] = await q('select min(created_at) as start, max(created_at) as "end", count(*)::int as n from conversations')
    const [messages] = await q('select count(*)::int as n from messages')
    return {
      channelIds: (await q('select id::text from open_channels order by id')).map(r => r.id),
      connectionIds: (await q('select id::text from channel_connections order by id')).map(r => r.id),
      agentIds: (await q("select id::text from users where email like 'agent-%' order by id")).map(r => r.id),
      start: span.start,
      end: span.end,
      conversations: span.n,
      messages: messages.n
    }
  } finally {
    await client.end()
  }
}

// ---------------------------------------------------------------------------------------------
// Measurement over HTTP

async function must<T> (what: string, res: Promise<{ data?: T, errors?: unknown }>): Promise<T> {
  const r = await res
  if (r.data === undefined || r.data === null || r.errors !== undefined) throw new Error(`${what}: ${JSON.stringify(r.errors)}`)
  return r.data
}

const listFields = 'id status assigneeId openChannelId updatedAt messageCount firstResponseAt'
const listQuery = (withKpi: boolean): string => `query ($after: String) { conversations(first: 50, after: $after) {
  nodes { ${listFields} ${withKpi ? 'kpi { firstResponseSec avgResponseSec responseCount lateCount late resolved rating }' : ''} }
  nextCursor } }`

/** The floor of any request: authentication, the rate limiter and GraphQL with no data read. */
async function timeFloor (client: AgentClient, reps: number): Promise<Timing> {
  const samples: number[] = []
  let mark = cpuMark()
  for (let i = 0; i < reps + 20; i++) {
    if (i === 20) mark = cpuMark()
    const startedAt = performance.now()
    await must('version', client.query('{ version }'))
    if (i >= 20) samples.push(performance.now() - startedAt)
  }
  return timing(samples, mark)
}

interface ListPage { conversations: { nodes: { kpi?: unknown }[], nextCursor: string | null } }

/** Walk the list page after page (keyset cursors), from the top again every `depth` pages. */
async function timeList (client: AgentClient, reps: number, depth: number, withKpi = true): Promise<Timing> {
  const samples: number[] = []
  let cursor: string | null = null
  let page = 0
  let mark = cpuMark()
  for (let i = 0; i < reps + 20; i++) {
    if (i === 20) mark = cpuMark()
    const startedAt = performance.now()
    // No `after` at all on the first page: the core refuses an explicit null (see README, stats).
    const data: ListPage = await must('conversations', client.query<ListPage>(listQuery(withKpi), cursor === null ? {} : { after: cursor }))
    const elapsed = performance.now() - startedAt
    if (data.conversations.nodes.length !== 50 || (withKpi && data.conversations.nodes.some(n => n.kpi === null))) throw new Error('a page without 50 rows with figures')
    if (i >= 20) samples.push(elapsed)
    page++
    cursor = page % depth === 0 ? null : data.conversations.nextCursor
  }
  return timing(samples, mark)
}

const statsQuery = `query ($from: DateTime!, $to: DateTime!, $agentId: ID, $groupBy: KpiGroupBy) {
  kpiStatistics(from: $from, to: $to, agentId: $agentId, groupBy: $groupBy) {
    total { conversations answered resolved late resolvedShare responses firstResponseP50 firstResponseP90 responseP50 responseP90 likes dislikes averageStars }
    groups { key figures { conversations responses firstResponseP50 responseP90 likes dislikes averageStars } } } }`

async function timeStats (client: AgentClient, reps: number, variables: Record<string, unknown>): Promise<Timing & { conversations: number, responses: number, likes: number | null, groups: number }> {
  const samples: number[] = []
  let last: any
  let mark = cpuMark()
  for (let i = 0; i < reps + 3; i++) {
    if (i === 3) mark = cpuMark()
    const startedAt = performance.now()
    last = await must('kpiStatistics', client.query<{ kpiStatistics: any }>(statsQuery, variables))
    if (i >= 3) samples.push(performance.now() - startedAt)
  }
  const { total } = last.kpiStatistics
  return { ...timing(samples, mark), conversations: total.conversations, responses: total.responses, likes: total.likes, groups: last.kpiStatistics.groups.length }
}

async function main (): Promise<void> {
  const url = databaseUrl(databaseName, adminUrl)
  const prefix = `bench:${runId}:`
  let generationMs: number | null = null
  if (!opts.reuse) await recreateDatabase(databaseName)
  const config = loadConfig({
    overrides: {
      environment: 'production',
      host: '127.0.0.1',
      port: 0,
      publicUrl: 'http://127.0.0.1:3000',
      secretKey: randomBytes(32).toString('hex'),
      databaseUrl: url,
      redisPrefix: prefix,
      logLevel: 'warn',
      plugins: [],
      // Reads only: no workers, and no request limit in the way of the loop.
      jobs: { process: false, sweepIntervalMs: 60_000 },
      rateLimit: { max: 10_000_000, timeWindowMs: 60_000 }
    }
  })
  const plugins = [{ definition: kpiPlugin, options: {} }, ...(opts.ratings ? [{ definition: ratingsPlugin, options: {} }] : [])]
  const app = await buildApp(config, { plugins, migrate: true })
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  try {
    if (!opts.reuse) {
      log(`generating ${opts.conversations.toLocaleString('en')} conversations × ${opts.messagesPer} messages (${opts.agents} agents, ${opts.channels} open channels, ${opts.months} months${opts.ratings ? ', 30 % rated' : ''})`)
      const startedAt = performance.now()
      await generate(url)
      await vacuum(url)
      generationMs = performance.now() - startedAt
      log(`generation with vacuum/analyze took ${seconds(generationMs)}`)
    }
    const world = await readWorld(url)
    log(`data: ${world.conversations.toLocaleString('en')} conversations, ${world.messages.toLocaleString('en')} messages, ${world.agentIds.length} agents`)

    const admin = { email: `bench-${runId}@openline.test`, password: `bench-${randomBytes(8).toString('hex')}` }
    await auth.createUser(app.core, { email: admin.email, name: 'Bench Admin', password: admin.password, role: 'admin' })
    const login = await must('login', agentClient(address, null).query<{ login: { token: string } }>('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: admin.email, p: admin.password }))
    const client = agentClient(address, login.login.token)

    const exec = async (sql: string): Promise<void> => { await (app.core.orm.em.fork() as any).execute(sql) }
    const list: Record<string, Timing> = {}
    const indexSql = 'create index if not exists conversations_updated_at_id_index on conversations (updated_at desc, id desc)'
    if (opts.coreIndex !== 'yes') {
      await exec('drop index if exists conversations_updated_at_id_index')
      list.withoutCoreIndex = await timeList(client, Math.min(opts.listReps, 100), 20)
      log(`list without the (updated_at, id) index: ${describe(list.withoutCoreIndex)}`)
    }
    if (opts.coreIndex !== 'no') {
      const startedAt = performance.now()
      await exec(indexSql)
      await exec('analyze conversations')
      log(`created ${indexSql.split(' on ')[0].replace('create index if not exists ', '')} in ${seconds(performance.now() - startedAt)}`)
      list.withCoreIndex = await timeList(client, opts.listReps, 100)
      log(`list with the (updated_at, id) index: ${describe(list.withCoreIndex)}`)
      // What the KPI columns add: the same walk without them, and a request that reads nothing.
      list.withCoreIndexNoKpi = await timeList(client, opts.listReps, 100, false)
      log(`  the same without the kpi field:      ${describe(list.withCoreIndexNoKpi)}`)
      list.floor = await timeFloor(client, opts.listReps)
      log(`  floor, { version }:                  ${describe(list.floor)}`)
    }

    // The last whole calendar month of the data, and the busiest agent.
    const monthEnd = new Date(Date.UTC(world.end.getUTCFullYear(), world.end.getUTCMonth(), 1))
    const monthStart = new Date(Date.UTC(monthEnd.getUTCFullYear(), monthEnd.getUTCMonth() - 1, 1))
    const yearStart = new Date(monthEnd.getTime() - 365 * 86_400_000)
    const agentId = world.agentIds[0]
    const month = { from: monthStart.toISOString(), to: monthEnd.toISOString() }
    const stats = {
      monthTotal: await timeStats(client, opts.statsReps, month),
      monthByDay: await timeStats(client, opts.statsReps, { ...month, groupBy: 'day' }),
      monthByAgent: await timeStats(client, opts.statsReps, { ...month, groupBy: 'agent' }),
      agentMonth: await timeStats(client, opts.statsReps, { ...month, agentId }),
      agentYearByMonth: await timeStats(client, opts.statsReps, { from: yearStart.toISOString(), to: monthEnd.toISOString(), agentId, groupBy: 'month' })
    }
    for (const [name, t] of Object.entries(stats)) {
      log(`kpiStatistics ${name.padEnd(17)} ${describe(t)}; ${t.conversations} conversations, ${t.responses} answers, ${t.likes ?? 'no'} likes, ${t.groups} groups`)
    }
    await client.close()

    const listP95 = list.withCoreIndex?.p95 ?? list.withoutCoreIndex?.p95 ?? Number.NaN
    const statsP95 = Math.max(...Object.values(stats).map(t => t.p95))
    log(`targets: list p95 ${listP95} ms (< ${targets.listP95Ms}: ${listP95 < targets.listP95Ms ? 'met' : 'MISSED'}), statistics p95 ${statsP95} ms (< ${targets.statsP95Ms}: ${statsP95 < targets.statsP95Ms ? 'met' : 'MISSED'})`)
    process.stdout.write(JSON.stringify({
      bench: 'stats', ratings: opts.ratings, conversations: world.conversations, messages: world.messages, agents: world.agentIds.length, channels: world.channelIds.length,
      generationMs: generationMs === null ? null : Math.round(generationMs), list, stats, month
    }) + '\n')
  } finally {
    await app.close()
    await clearRedisPrefix(redisUrl, prefix).catch(() => {})
    if (!opts.keep) await dropDatabase(databaseName)
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exit(1)
})
