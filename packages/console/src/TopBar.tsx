import { useEffect, useState } from 'preact/hooks'
import { errorText, useConsole } from './context.ts'
import type { LiveState } from './live.ts'
import { askNotificationPermission, notificationPermission } from './notify.ts'
import type { Route } from './route.ts'
import { Nav } from './Nav.tsx'
import { AlertsMenu } from './kpi/AlertsMenu.tsx'
import type { KpiAlertsState } from './kpi/useKpiAlerts.ts'

type Workday = 'working' | 'paused' | 'ended' | null

const liveLabels: Record<LiveState, string> = { live: 'Online', connecting: 'Connecting…', offline: 'Offline — reconnecting' }

export interface TopBarProps {
  liveState: LiveState
  unread: number
  route: Route
  lastConversation: string | null
  kpiAlerts: KpiAlertsState | null
  onSignOut: () => void
}

export function TopBar (props: TopBarProps) {
  const { api, me, toast } = useConsole()
  const [workday, setWorkday] = useState<Workday>(null)
  const [permission, setPermission] = useState(notificationPermission())

  useEffect(() => {
    api.request<{ agentAvailability: { workday: Workday }[] }>('query($ids: [ID!]!) { agentAvailability(userIds: $ids) { workday } }', { ids: [me.id] })
      .then(d => setWorkday(d.agentAvailability[0]?.workday ?? null), () => {})
  }, [api, me.id])

  async function change (mutation: 'startWorkday' | 'pauseWorkday' | 'endWorkday'): Promise<void> {
    try {
      const data = await api.request<Record<string, Workday>>(`mutation { ${mutation} }`)
      setWorkday(data[mutation])
    } catch (err) {
      toast(errorText(err), 'error')
    }
  }

  return (
    <header class='topbar'>
      <span class='brand'>Openline{props.unread > 0 && <span class='badge unread-badge'>{props.unread}</span>}</span>
      <span class={`live-state live-${props.liveState}`}>{liveLabels[props.liveState]}</span>
      <Nav route={props.route} lastConversation={props.lastConversation} />
      <span class='spacer' />
      {props.kpiAlerts !== null && <AlertsMenu state={props.kpiAlerts} />}
      {permission === 'default' && (
        <button type='button' class='link-button' onClick={() => { void askNotificationPermission().then(setPermission) }}>Enable notifications</button>
      )}
      <span class='workday'>
        {workday !== 'working' && <button type='button' onClick={() => change('startWorkday')}>{workday === 'paused' ? 'Resume day' : 'Start day'}</button>}
        {workday === 'working' && <button type='button' onClick={() => change('pauseWorkday')}>Pause</button>}
        {(workday === 'working' || workday === 'paused') && <button type='button' onClick={() => change('endWorkday')}>End day</button>}
      </span>
      <span class='me' title={me.name}>{me.name}</span>
      <button type='button' class='sign-out' onClick={props.onSignOut}>Sign out</button>
    </header>
  )
}
