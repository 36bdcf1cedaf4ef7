// H3 in the conversation: its response times as the list shows them.
import type { Conversation } from '../types.ts'
import { duration, kpiOf } from './kpi.ts'

export function KpiPanel (props: { conversation: Conversation }) {
  const kpi = kpiOf(props.conversation)
  if (kpi === null) return null
  return (
    <section class='side-section kpi-panel'>
      <h3>Response times</h3>
      <dl class='facts'>
        <dt>First response</dt><dd class='kpi-first'>{duration(kpi.firstResponseSec)}</dd>
        <dt>Average</dt><dd class='kpi-avg'>{duration(kpi.avgResponseSec)}</dd>
        <dt>Targets missed</dt><dd class='kpi-late'>{kpi.lateCount}{kpi.late && <span class='badge-late'>late now</span>}</dd>
      </dl>
    </section>
  )
}
