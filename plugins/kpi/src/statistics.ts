// H3: statistics per open channel, agent and period. Conversation counts are of the conversations
// created in the period, attributed to their responsible agent; response times are of the answers
// given in the period, attributed to the agent who answered. Both read only the plugin's tables
// through covering indexes; the total's percentiles come from a (kind, seconds) histogram, the
// groups' from percentile_cont per group.
import { OpenlineError, errorCodes, isId, type AuthUser, type FieldError, type Id, type PluginContext, type Tx } from '@openline/sdk'
import { idArray } from './db.ts'

export const groupings = ['day', 'week', 'month', 'agent', 'openChannel'] as const
export type Grouping = typeof groupings[number]

/** The longest period one request may cover (a year and a bit: a year by day stays one screen of groups). */
export const maxPeriodDays = 400

export interface StatisticsInput {
  from: Date
  to: Date
  openChannelId: Id | null
  /** Set for everyone who may see only their own figures. */
  agentId: Id | null
  groupBy: Grouping | null
  timeZone: string
  /** Count the ratings plugin's likes, dislikes and stars (it is loaded). */
  withRatings: boolean
}

export interface KpiFigures {
  conversations: number
  answered: number
  resolved: number
  late: number
  resolvedShare: number | null
  responses: number
  firstResponseP50: number | null
  firstResponseP90: number | null
  responseP50: number | null
  responseP90: number | null
  /** Clients' likes and dislikes of those conversations (ratings plugin); null without that plugin. */
  likes: number | null
  dislikes: number | null
  /** Mean of the supervisors' 1–5 stars of those conversations; null without any, or without the ratings plugin. */
  averageStars: number | null
}

export interface KpiGroup {
  key: string
  periodStart: Date | null
  agentId: Id | null
  openChannelId: Id | null
  name: string | null
  figures: KpiFigures
}

export interface KpiStatistics {
  from: Date
  to: Date
  groupBy: Grouping | null
  timeZone: string
  total: KpiFigures
  groups: KpiGroup[]
}

function invalid (fields: FieldError[]): OpenlineError {
  return new OpenlineError(errorCodes.validation, `Invalid statistics request: ${fields.map(f => `${f.path} ${f.message}`).join('; ')}`, { fields })
}

function isTimeZone (value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value }).format(0)
    return true
  } catch {
    return false
  }
}

/**
 * Check the arguments and apply the user's scope: whoever does not see all history (J1) sees only
 * their own figures — asking for another agent's is refused, asking for none means their own.
 */
export function statisticsInput (user: AuthUser, args: { from: Date, to: Date, openChannelId?: string | null, agentId?: string | null, groupBy?: Grouping | null, timeZone?: string | null }, withRatings: boolean): StatisticsInput {
  const fields: FieldError[] = []
  const from = args.from
  const to = args.to
  if (!(to.getTime() > from.getTime())) fields.push({ path: '/to', message: 'must be after from' })
  else if (to.getTime() - from.getTime() > maxPeriodDays * 86_400_000) fields.push({ path: '/to', message: `the period may cover at most ${maxPeriodDays} days` })
  const openChannelId = args.openChannelId ?? null
  if (openChannelId !== null && !isId(openChannelId)) fields.push({ path: '/openChannelId', message: 'must be an open channel id' })
  let agentId = args.agentId ?? null
  if (agentId !== null && !isId(agentId)) fields.push({ path: '/agentId', message: 'must be a user id' })
  const timeZone = args.timeZone ?? 'UTC'
  if (timeZone.length > 64 || !isTimeZone(timeZone)) fields.push({ path: '/timeZone', message: 'must be an IANA time zone such as Europe/Warsaw' })
  if (fields.length > 0) throw invalid(fields)
  if (user.permissions.viewHistory !== 'all') {
    if (agentId !== null && agentId !== user.id) throw new OpenlineError(errorCodes.forbidden, 'Your role shows only your own figures', { statusCode: 403 })
    agentId = user.id
  }
  return { from, to, openChannelId, agentId, groupBy: args.groupBy ?? null, timeZone, withRatings }
}

const periods: readonly string[] = ['day', 'week', 'month']

/**
 * The grouping column over a table with `time`, `agent_id` and `open_channel_id`, in its own type
 * (bigint ids sort much faster than text); a period takes the time zone as its parameter.
 */
function groupColumn (groupBy: Grouping | null, time: string): string {
  if (groupBy !== null && periods.includes(groupBy)) return `date_trunc('${groupBy}', ${time}, ?)`
  if (groupBy === 'agent') return 'agent_id'
  if (groupBy === 'openChannel') return 'open_channel_id'
  return 'null::bigint'
}

/** `<table> where <period and filters>` with its parameters. */
function scope (input: StatisticsInput, table: string, time: string): { sql: string, params: unknown[] } {
  const where = [`${time} >= ?`, `${time} < ?`]
  const params: unknown[] = [input.from, input.to]
  if (input.openChannelId !== null) { where.push('open_channel_id = ?'); params.push(input.openChannelId) }
  if (input.agentId !== null) { where.push('agent_id = ?'); params.push(input.agentId) }
  return { sql: `${table} where ${where.join(' and ')}`, params }
}

/** `select <aggregates> … group by g` over the scoped rows, with the total as the empty grouping set. */
function groupedQuery (input: StatisticsInput, table: string, time: string, columns: string, aggregates: string): { sql: string, params: unknown[] } {
  const from = scope(input, table, time)
  const params = input.groupBy !== null && periods.includes(input.groupBy) ? [input.timeZone, ...from.params] : from.params
  const inner = `select ${groupColumn(input.groupBy, time)} as g, ${columns} from ${from.sql}`
  if (input.groupBy === null) return { sql: `select true as total, null as g, ${aggregates} from (${inner}) s`, params }
  return { sql: `select grouping(g) = 1 as total, g, ${aggregates} from (${inner}) s group by grouping sets ((g), ())`, params }
}

const answerAggregates = `count(*)::int as responses,
  percentile_cont(array[0.5, 0.9]) within group (order by seconds) filter (where kind = 'first') as first_p,
  percentile_cont(array[0.5, 0.9]) within group (order by seconds) as all_p`

/**
 * Answer times per group, one index range scan per group (a lateral subquery per period, agent or
 * open channel): the percentiles sort each group's answers alone, and nothing sorts all of them by
 * group first. Answers of no agent have no agent group.
 */
function groupedAnswers (input: StatisticsInput): { sql: string, params: unknown[] } {
  const filters: string[] = []
  const filterParams: unknown[] = []
  if (input.openChannelId !== null) { filters.push('r.open_channel_id = ?'); filterParams.push(input.openChannelId) }
  if (input.agentId !== null) { filters.push('r.agent_id = ?'); filterParams.push(input.agentId) }
  const answers = (conditions: string[]): string =>
    `cross join lateral (select ${answerAggregates} from kpi_responses r where ${[...conditions, ...filters].join(' and ')}) x where x.responses > 0`
  if (input.groupBy === 'agent' || input.groupBy === 'openChannel') {
    const [table, column] = input.groupBy === 'agent' ? ['users', 'agent_id'] : ['open_channels', 'open_channel_id']
    const only = input.groupBy === 'agent' && input.agentId !== null
    return {
      sql: `select o.id as g, x.* from (select id from ${table}${only ? ' where id = ?' : ''}) o
            ${answers(['r.answered_at >= ?', 'r.answered_at < ?', `r.${column} = o.id`])}`,
      params: [...(only ? [input.agentId] : []), input.from, input.to, ...filterParams]
    }
  }
  // Periods start at local midnight (or Monday, or the 1st) in the time zone, cut to [from, to).
  const unit = input.groupBy as string
  return {
    sql: `select p.start as g, x.*
            from (select d at time zone ? as start, (d + interval '1 ${unit}') at time zone ? as finish
                    from generate_series(date_trunc('${unit}', ?::timestamptz at time zone ?), ?::timestamptz at time zone ?, interval '1 ${unit}') d) p
            ${answers(['r.answered_at >= greatest(p.start, ?::timestamptz)', 'r.answered_at < least(p.finish, ?::timestamptz)'])}`,
    params: [input.timeZone, input.timeZone, input.from, input.timeZone, input.to, input.timeZone, input.from, input.to, ...filterParams]
  }
}

interface CountRow { total: boolean, g: unknown, conversations: number, answered: number, resolved: number, late: number, likes?: number, dislikes?: number, average_stars?: number | null }
interface ResponseRow { g: unknown, responses: number, first_p: number[] | null, all_p: number[] | null }
interface HistogramRow { kind: string, seconds: number, n: number }

const emptyFigures = (withRatings: boolean): KpiFigures => ({
  conversations: 0, answered: 0, resolved: 0, late: 0, resolvedShare: null, responses: 0,
  firstResponseP50: null, firstResponseP90: null, responseP50: null, responseP90: null,
  likes: withRatings ? 0 : null, dislikes: withRatings ? 0 : null, averageStars: null
})

/**
 * The conversation counts: one pass over the period's rows of `kpi_conversations` (a covering
 * index), joined with the ratings plugin's `ratings_scores` by conversation when it is loaded, so
 * likes, dislikes and stars are grouped exactly like the conversations they belong to.
 */
function conversationCounts (input: StatisticsInput): { sql: string, params: unknown[], off: readonly string[] } {
  const counts = `count(*)::int as conversations, count(first_response_sec)::int as answered,
     (count(*) filter (where resolved))::int as resolved, (count(*) filter (where late_count > 0))::int as late`
  if (!input.withRatings) return { ...groupedQuery(input, 'kpi_conversations', 'created_at', 'first_response_sec, resolved, late_count', counts), off: [] }
  const query = groupedQuery(input, 'kpi_conversations k left join ratings_scores rs on rs.conversation_id = k.conversation_id', 'k.created_at',
    'first_response_sec, resolved, late_count, rs.client_value, rs.stars',
    `${counts}, (count(*) filter (where client_value = 'like'))::int as likes, (count(*) filter (where client_value = 'dislike'))::int as dislikes,
     avg(stars)::float8 as average_stars`)
  // Each conversation of the period looks its rating up by primary key (a nested loop), so the work
  // follows the period. The planner's own choice for a month, a hash join, reads every rating ever
  // given and grows with the history (scripts/bench/README.md, stats: slower at 1 000 000 already).
  return { ...query, off: ['enable_hashjoin', 'enable_mergejoin'] }
}

/** A mean of stars, to two decimals. */
const stars = (value: number | null | undefined): number | null => value === null || value === undefined ? null : Math.round(value * 100) / 100

/** Seconds, rounded to the millisecond (percentile_cont interpolates). */
const seconds = (value: number | null | undefined): number | null => value === null || value === undefined ? null : Math.round(value * 1000) / 1000

/**
 * percentile_cont over a histogram (values ascending, each with its count): the value at
 * position p·(n−1) of the sorted values, interpolated between its neighbours, exactly as
 * PostgreSQL computes it over the rows themselves.
 */
export function percentileCont (histogram: readonly (readonly [number, number])[], p: number): number | null {
  const n = histogram.reduce((sum, [, count]) => sum + count, 0)
  if (n === 0) return null
  const position = p * (n - 1)
  const lower = Math.floor(position)
  const valueAt = (rank: number): number => {
    let seen = 0
    for (const [value, count] of histogram) {
      seen += count
      if (rank < seen) return value
    }
    return histogram[histogram.length - 1][0]
  }
  const low = valueAt(lower)
  return position === lower ? low : low + (position - lower) * (valueAt(lower + 1) - low)
}

/** The total's answer times from a (kind, seconds) histogram: a month of answers is a few thousand rows, not a sort of all of them. */
function totalResponses (rows: HistogramRow[]): Pick<KpiFigures, 'responses' | 'firstResponseP50' | 'firstResponseP90' | 'responseP50' | 'responseP90'> {
  const all = new Map<number, number>()
  const first: [number, number][] = []
  for (const row of rows) {
    all.set(row.seconds, (all.get(row.seconds) ?? 0) + row.n)
    if (row.kind === 'first') first.push([row.seconds, row.n])
  }
  const allSorted = [...all].sort((a, b) => a[0] - b[0])
  first.sort((a, b) => a[0] - b[0])
  return {
    responses: rows.reduce((sum, row) => sum + row.n, 0),
    firstResponseP50: seconds(percentileCont(first, 0.5)),
    firstResponseP90: seconds(percentileCont(first, 0.9)),
    responseP50: seconds(percentileCont(allSorted, 0.5)),
    responseP90: seconds(percentileCont(allSorted, 0.9))
  }
}

/**
 * A read transaction whose sorts (the percentiles of a month of answers) stay in memory; the
 * planner methods named in `off` are turned off for this transaction only.
 */
async function readWithSortMemory<T> (ctx: Pick<PluginContext<any>, 'transaction'>, sql: string, params: unknown[], off: readonly string[] = []): Promise<T[]> {
  return ctx.transaction(async (tx) => {
    await tx.query("set local work_mem = '64MB'")
    for (const method of off) await tx.query(`set local ${method} = off`)
    return tx.query<T>(sql, params)
  })
}

export async function computeStatistics (ctx: Pick<PluginContext<any>, 'transaction'>, input: StatisticsInput): Promise<KpiStatistics> {
  const counts = conversationCounts(input)
  const answers = scope(input, 'kpi_responses', 'answered_at')
  const grouped = input.groupBy === null ? null : groupedAnswers(input)
  // Separate connections, so the scans run side by side on a multi-core database.
  const [countRows, histogram, responseRows] = await Promise.all([
    readWithSortMemory<CountRow>(ctx, counts.sql, counts.params, counts.off),
    readWithSortMemory<HistogramRow>(ctx, `select kind, seconds, count(*)::int as n from ${answers.sql} group by kind, seconds`, answers.params),
    grouped === null ? [] : readWithSortMemory<ResponseRow>(ctx, grouped.sql, grouped.params)
  ])

  const isPeriod = input.groupBy !== null && periods.includes(input.groupBy)
  const total = emptyFigures(input.withRatings)
  const groups = new Map<string, KpiGroup>()
  const figuresOf = (row: { total: boolean, g: unknown }): KpiFigures => {
    if (row.total) return total
    // Periods arrive as timestamps, agents and channels as bigint ids (text or Date, as the driver gives them).
    const periodStart = row.g !== null && isPeriod ? new Date(row.g as string) : null
    const key = row.g === null ? 'none' : periodStart !== null ? periodStart.toISOString() : String(row.g)
    let group = groups.get(key)
    if (group === undefined) {
      group = {
        key,
        periodStart,
        agentId: input.groupBy === 'agent' && row.g !== null ? key : null,
        openChannelId: input.groupBy === 'openChannel' && row.g !== null ? key : null,
        name: null,
        figures: emptyFigures(input.withRatings)
      }
      groups.set(key, group)
    }
    return group.figures
  }
  for (const row of countRows) {
    const f = figuresOf(row)
    Object.assign(f, { conversations: row.conversations, answered: row.answered, resolved: row.resolved, late: row.late, resolvedShare: row.conversations > 0 ? row.resolved / row.conversations : null })
    if (input.withRatings) Object.assign(f, { likes: row.likes ?? 0, dislikes: row.dislikes ?? 0, averageStars: stars(row.average_stars) })
  }
  Object.assign(total, totalResponses(histogram))
  for (const row of responseRows) {
    Object.assign(figuresOf({ total: false, g: row.g }), {
      responses: row.responses,
      firstResponseP50: seconds(row.first_p?.[0]), firstResponseP90: seconds(row.first_p?.[1]),
      responseP50: seconds(row.all_p?.[0]), responseP90: seconds(row.all_p?.[1])
    })
  }
  const list = [...groups.values()]
  await nameGroups(ctx, input.groupBy, list)
  list.sort(byKey)
  return { from: input.from, to: input.to, groupBy: input.groupBy, timeZone: input.timeZone, total, groups: list }
}

/** Periods in time order; agents and open channels by id, the unassigned ("none") last. */
function byKey (a: KpiGroup, b: KpiGroup): number {
  if (a.periodStart !== null && b.periodStart !== null) return a.periodStart.getTime() - b.periodStart.getTime()
  if (a.key === 'none' || b.key === 'none') return a.key === b.key ? 0 : a.key === 'none' ? 1 : -1
  const x = BigInt(a.key)
  const y = BigInt(b.key)
  return x < y ? -1 : x > y ? 1 : 0
}

/** Agents' and open channels' names for their groups (one query). */
async function nameGroups (ctx: Pick<PluginContext<any>, 'transaction'>, groupBy: Grouping | null, groups: KpiGroup[]): Promise<void> {
  const ids = groups.map(g => g.agentId ?? g.openChannelId).filter((id): id is string => id !== null)
  if (ids.length === 0 || (groupBy !== 'agent' && groupBy !== 'openChannel')) return
  const table = groupBy === 'agent' ? 'users' : 'open_channels'
  const rows = await ctx.transaction(tx => tx.query<{ id: string, name: string }>(`select id::text, name from ${table} where id = any(?::bigint[])`, [idArray(ids)]))
  const names = new Map(rows.map(r => [r.id, r.name]))
  for (const group of groups) group.name = names.get(group.agentId ?? group.openChannelId ?? '') ?? null
}
