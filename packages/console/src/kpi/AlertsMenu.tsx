// The bell of the top bar: KPI alerts (missed response times), unread first; a click opens the
// conversation and marks the alert read.
import { useState } from 'preact/hooks'
import { errorText, useConsole } from '../context.ts'
import { timeOf } from '../format.ts'
import type { KpiAlertsState } from './useKpiAlerts.ts'

export function AlertsMenu (props: { state: KpiAlertsState }) {
  const { open, toast } = useConsole()
  const [shown, setShown] = useState(false)
  const { alerts, unread, markRead } = props.state
  const read = (ids: string[]): void => { markRead(ids).catch(err => toast(errorText(err), 'error')) }
  return (
    <span class='alerts'>
      <button type='button' class='alerts-button' aria-expanded={shown} aria-label={`KPI alerts: ${unread} unread`} onClick={() => setShown(!shown)}>
        Alerts{unread > 0 && <span class='badge alerts-count'>{unread}</span>}
      </button>
      {shown && (
        <div class='alerts-menu' role='menu'>
          <div class='alerts-head'>
            <strong>Response-time alerts</strong>
            {unread > 0 && <button type='button' class='link-button mark-all-read' onClick={() => read(alerts.filter(a => a.readAt === null).map(a => a.id))}>Mark all read</button>}
          </div>
          {alerts.length === 0 && <p class='muted'>No alerts.</p>}
          <ul>
            {alerts.map(a => (
              <li key={a.id} class={`alert-item${a.readAt === null ? ' unread' : ''}`} data-alert-id={a.id}>
                <button type='button' role='menuitem' onClick={() => { setShown(false); open(a.conversationId); if (a.readAt === null) read([a.id]) }}>
                  <span class='alert-text'>{a.text}</span>
                  <span class='muted'>{timeOf(a.createdAt)} · #{a.conversationId}</span>
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </span>
  )
}
