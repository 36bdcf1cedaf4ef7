// H2 KPI alerts as notifications: the unread ones at start (`myKpiAlerts`), new ones pushed by
// `kpiAlert` — a toast, a browser notification when the tab is hidden, and the bell's count.
import { useEffect, useRef, useState } from 'preact/hooks'
import type { Api } from '../api.ts'
import type { Feed } from '../feed.ts'
import type { Toast } from '../Toasts.tsx'
import { notifyOutside } from '../notify.ts'
import { alertSelection, type KpiAlert } from './kpi.ts'

export interface KpiAlertsState {
  /** Newest first: the unread ones, and those read since the console started. */
  alerts: KpiAlert[]
  unread: number
  markRead: (ids: string[]) => Promise<void>
}

export function useKpiAlerts (deps: { api: Api, feed: Feed, enabled: boolean, open: (conversationId: string) => void, toast: (t: Omit<Toast, 'id'>) => void }): KpiAlertsState | null {
  const [alerts, setAlerts] = useState<KpiAlert[]>([])
  const latest = useRef(deps)
  latest.current = deps

  useEffect(() => {
    if (!deps.enabled) return
    deps.api.request<{ myKpiAlerts: { nodes: KpiAlert[] } }>(`query ConsoleKpiAlerts { myKpiAlerts(unreadOnly: true, first: 50) { nodes { ${alertSelection} } } }`)
      .then(d => setAlerts(list => [...list, ...d.myKpiAlerts.nodes.filter(n => !list.some(a => a.id === n.id))]), () => {})
    return deps.feed.on((event) => {
      if (event.type !== 'kpiAlert') return
      const alert = event.alert
      setAlerts(list => list.some(a => a.id === alert.id) ? list : [alert, ...list])
      const { toast, open } = latest.current
      toast({ kind: 'error', text: 'Response time missed', detail: alert.text, onClick: () => open(alert.conversationId) })
      notifyOutside('Response time missed', alert.text, `kpi-${alert.id}`, () => open(alert.conversationId))
    })
  }, [deps.enabled, deps.feed])

  if (!deps.enabled) return null
  return {
    alerts,
    unread: alerts.filter(a => a.readAt === null).length,
    async markRead (ids) {
      if (ids.length === 0) return
      await deps.api.request('mutation ConsoleKpiRead($ids: [ID!]!) { markKpiAlertsRead(ids: $ids) }', { ids })
      const now = new Date().toISOString()
      setAlerts(list => list.map(a => ids.includes(a.id) && a.readAt === null ? { ...a, readAt: now } : a))
    }
  }
}
