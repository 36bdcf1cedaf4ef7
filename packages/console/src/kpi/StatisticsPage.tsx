// H3 statistics (`kpiStatistics`): filters (period, open channel, agent, grouping), the totals,
// charts of response times, counts, the share resolved and ratings, and a table of the groups.
// Without history scope all the server shows only the agent's own figures.
import { useEffect, useState } from 'preact/hooks'
import { errorText, useConsole } from '../context.ts'
import { duration } from './kpi.ts'
import { Chart } from './charts.tsx'
import { dateValue, groupLabel, percent, presetPeriod, startOfDay, statisticsQuery, type GroupBy, type KpiFigures, type KpiStatistics, type Period } from './statistics.ts'

const groupings: [GroupBy, string][] = [['day', 'Day'], ['week', 'Week'], ['month', 'Month'], ['agent', 'Agent'], ['openChannel', 'Open channel']]
const presets: ['week' | 'month' | 'thisMonth' | 'lastMonth', string][] = [['week', 'Last 7 days'], ['month', 'Last 30 days'], ['thisMonth', 'This month'], ['lastMonth', 'Last month']]
const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone
const count = (v: number): string => String(Math.round(v))

export function StatisticsPage () {
  const { api, me, userList, openChannels } = useConsole()
  const supervisor = me.historyScope === 'all'
  const [period, setPeriod] = useState<Period>(presetPeriod('month'))
  const [openChannelId, setOpenChannelId] = useState('')
  const [agentId, setAgentId] = useState('')
  const [groupBy, setGroupBy] = useState<GroupBy>('day')
  const [stats, setStats] = useState<KpiStatistics | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [loading, setLoading] = useState(false)

  useEffect(() => {
    if (period.from === '' || period.to === '') return
    let current = true
    setLoading(true)
    api.request<{ kpiStatistics: KpiStatistics }>(statisticsQuery, {
      from: startOfDay(period.from).toISOString(),
      to: startOfDay(period.to, 1).toISOString(),
      oc: openChannelId === '' ? null : openChannelId,
      agent: agentId === '' ? null : agentId,
      by: groupBy,
      tz: timeZone
    }).then((d) => { if (current) { setStats(d.kpiStatistics); setError(null) } }, (err) => { if (current) setError(errorText(err)) })
      .finally(() => { if (current) setLoading(false) })
    return () => { current = false }
  }, [period.from, period.to, openChannelId, agentId, groupBy])

  const groups = stats?.groups ?? []
  const labels = groups.map(g => groupLabel(g, groupBy))
  const over = (pick: (f: KpiFigures) => number | null): (number | null)[] => groups.map(g => pick(g.figures))
  const byPeriod = groupBy === 'day' || groupBy === 'week' || groupBy === 'month'
  const ratings = stats !== null && (stats.total.likes !== null || stats.total.dislikes !== null)

  return (
    <div class='page statistics-page'>
      <header class='page-header'><h1>Statistics</h1>{!supervisor && <span class='muted'>Your own figures</span>}</header>
      <form class='filters statistics-filters' onSubmit={(e) => e.preventDefault()}>
        <label>From<input type='date' name='from' value={period.from} max={period.to} onChange={(e) => setPeriod({ ...period, from: e.currentTarget.value })} /></label>
        <label>To<input type='date' name='to' value={period.to} min={period.from} onChange={(e) => setPeriod({ ...period, to: e.currentTarget.value })} /></label>
        <label>Open channel
          <select name='openChannelId' value={openChannelId} onChange={(e) => setOpenChannelId(e.currentTarget.value)}>
            <option value=''>All</option>
            {openChannels.map(c => <option key={c.id} value={c.id}>{c.name}</option>)}
          </select>
        </label>
        {supervisor && (
          <label>Agent
            <select name='agentId' value={agentId} onChange={(e) => setAgentId(e.currentTarget.value)}>
              <option value=''>Everyone</option>
              {userList.map(u => <option key={u.id} value={u.id}>{u.name}</option>)}
            </select>
          </label>
        )}
        <label>Group by
          <select name='groupBy' value={groupBy} onChange={(e) => setGroupBy(e.currentTarget.value as GroupBy)}>
            {groupings.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
          </select>
        </label>
      </form>
      <div class='presets'>
        {presets.map(([p, label]) => <button key={p} type='button' class='chip' onClick={() => setPeriod(presetPeriod(p))}>{label}</button>)}
        <button type='button' class='chip' onClick={() => setPeriod({ from: dateValue(new Date()), to: dateValue(new Date()) })}>Today</button>
      </div>
      {error !== null && <p class='form-error' role='alert'>{error}</p>}
      {loading && stats === null && <p class='muted'>Loading…</p>}
      {stats !== null && (
        <div class={`statistics${loading ? ' loading' : ''}`}>
          <dl class='kpi-cards'>
            <Card name='conversations' label='Conversations' value={count(stats.total.conversations)} />
            <Card name='answered' label='Answered' value={count(stats.total.answered)} />
            <Card name='resolved' label='Resolved' value={`${stats.total.resolved} (${percent(stats.total.resolvedShare)})`} />
            <Card name='late' label='Late' value={count(stats.total.late)} />
            <Card name='responses' label='Answers' value={count(stats.total.responses)} />
            <Card name='first-p50' label='First response p50' value={duration(stats.total.firstResponseP50)} />
            <Card name='first-p90' label='First response p90' value={duration(stats.total.firstResponseP90)} />
            <Card name='response-p50' label='Response p50' value={duration(stats.total.responseP50)} />
            <Card name='response-p90' label='Response p90' value={duration(stats.total.responseP90)} />
            {ratings && <Card name='ratings' label='Likes / dislikes' value={`${stats.total.likes ?? 0} / ${stats.total.dislikes ?? 0}`} />}
          </dl>
          <div class='charts'>
            <Chart name='response-times' title='Response times' kind={byPeriod ? 'line' : 'bar'} labels={labels} format={duration} series={[
              { key: 'firstResponseP50', label: 'First response p50', values: over(f => f.firstResponseP50) },
              { key: 'firstResponseP90', label: 'First response p90', values: over(f => f.firstResponseP90) },
              { key: 'responseP50', label: 'Response p50', values: over(f => f.responseP50) },
              { key: 'responseP90', label: 'Response p90', values: over(f => f.responseP90) }
            ]} />
            <Chart name='counts' title='Conversations' kind='bar' labels={labels} format={count} whole series={[
              { key: 'conversations', label: 'Conversations', values: over(f => f.conversations) },
              { key: 'resolved', label: 'Resolved', values: over(f => f.resolved) },
              { key: 'late', label: 'Late', values: over(f => f.late) }
            ]} />
            <Chart name='resolved-share' title='Share resolved' kind={byPeriod ? 'line' : 'bar'} labels={labels} max={1} format={percent} series={[
              { key: 'resolvedShare', label: 'Resolved', values: over(f => f.resolvedShare) }
            ]} />
            {ratings && (
              <Chart name='ratings' title='Ratings' kind='bar' labels={labels} format={count} whole series={[
                { key: 'likes', label: 'Likes', values: over(f => f.likes) },
                { key: 'dislikes', label: 'Dislikes', values: over(f => f.dislikes) }
              ]} />
            )}
          </div>
          <table class='data-table statistics-table'>
            <thead>
              <tr>
                <th scope='col'>{groupings.find(([g]) => g === groupBy)?.[1]}</th>
                <th scope='col'>Conversations</th><th scope='col'>Answered</th><th scope='col'>Resolved</th><th scope='col'>Late</th><th scope='col'>Answers</th>
                <th scope='col'>First p50</th><th scope='col'>First p90</th><th scope='col'>Response p50</th><th scope='col'>Response p90</th>
                {ratings && <th scope='col'>👍 / 👎</th>}
              </tr>
            </thead>
            <tbody>
              {groups.map((g, i) => (
                <tr key={g.key} data-group={g.key}>
                  <th scope='row'>{labels[i]}</th>
                  <td>{g.figures.conversations}</td><td>{g.figures.answered}</td><td>{percent(g.figures.resolvedShare)}</td><td>{g.figures.late}</td><td>{g.figures.responses}</td>
                  <td>{duration(g.figures.firstResponseP50)}</td><td>{duration(g.figures.firstResponseP90)}</td><td>{duration(g.figures.responseP50)}</td><td>{duration(g.figures.responseP90)}</td>
                  {ratings && <td>{g.figures.likes ?? 0} / {g.figures.dislikes ?? 0}</td>}
                </tr>
              ))}
            </tbody>
          </table>
          {groups.length === 0 && <p class='muted empty-list'>Nothing in this period.</p>}
        </div>
      )}
    </div>
  )
}

function Card (props: { name: string, label: string, value: string }) {
  return (
    <div class={`kpi-card kpi-${props.name}`}>
      <dt>{props.label}</dt>
      <dd>{props.value}</dd>
    </div>
  )
}
