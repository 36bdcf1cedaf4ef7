// #6 H3: response-time columns of the conversation list, read from Conversation.kpi.
import { registerColumn } from '../columns.tsx'
import { duration, kpiOf, kpiSelection } from './kpi.ts'

const fields: [string, string][] = [['kpi', kpiSelection]]

registerColumn({ id: 'firstResponse', title: 'First response', fields, render: (c) => duration(kpiOf(c)?.firstResponseSec) })
registerColumn({ id: 'avgResponse', title: 'Avg response', fields, render: (c) => duration(kpiOf(c)?.avgResponseSec) })
registerColumn({
  id: 'late',
  title: 'Late',
  fields,
  render: (c) => {
    const kpi = kpiOf(c)
    if (kpi === null) return ''
    return (
      <span class='late-cell'>
        <span class='late-count'>{kpi.lateCount}</span>
        {kpi.late && <span class='badge-late'>late now</span>}
      </span>
    )
  }
})
