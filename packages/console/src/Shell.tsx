// The signed-in layout: top bar with the pages, Unanswered and Conversations on the left, the
// open conversation on the right (hash route #/conversations/<id>), the plugins' pages (#6),
// toasts; and the services every view shares.
import { useEffect, useMemo, useState } from 'preact/hooks'
import { ConsoleContext, type ConsoleServices } from './context.ts'
import type { Boot } from './Workspace.tsx'
import type { LiveState } from './live.ts'
import { useOffers } from './offers.ts'
import { useAlerts } from './alerts.ts'
import { go, parseRoute, type Route } from './route.ts'
import { TopBar } from './TopBar.tsx'
import { Toasts, useToasts } from './Toasts.tsx'
import { UnansweredList } from './UnansweredList.tsx'
import { ConversationList, type ListFilters } from './ConversationList.tsx'
import { ConversationView } from './ConversationView.tsx'
import { PageView } from './PageView.tsx'
import { useKpiAlerts } from './kpi/useKpiAlerts.ts'
import { useStaffChats } from './team/useStaffChats.ts'
import { useTaskNotices } from './tasks/useTaskNotices.ts'

const open = (id: string): void => go({ page: 'conversations', id })

export function Shell (props: { boot: Boot, onSignOut: () => void }) {
  const { boot } = props
  const [route, setRoute] = useState<Route>(parseRoute(location.hash))
  const [lastConversation, setLastConversation] = useState<string | null>(route.page === 'conversations' ? route.id : null)
  const [tab, setTab] = useState<'unanswered' | 'all'>('unanswered')
  const [filters, setFilters] = useState<ListFilters>({ status: '', openChannelId: '', assigneeId: '' })
  const [liveState, setLiveState] = useState<LiveState>('connecting')
  const [unansweredCount, setUnansweredCount] = useState(0)
  const toasts = useToasts()
  const selected = route.page === 'conversations' ? route.id : null
  const offers = useOffers(boot.api, boot.sel)
  const unread = useAlerts({ api: boot.api, feed: boot.feed, me: boot.me, offers, selected, open, toast: toasts.push })
  const kpiAlerts = useKpiAlerts({ api: boot.api, feed: boot.feed, enabled: boot.schema.plugin('Query', 'myKpiAlerts'), open, toast: toasts.push })
  const staffChats = useStaffChats({ api: boot.api, live: boot.live, enabled: boot.schema.plugin('Query', 'staffChats'), meId: boot.me.id, toast: toasts.push })
  useTaskNotices(boot.feed, toasts.push)

  useEffect(() => {
    const onHash = (): void => {
      const next = parseRoute(location.hash)
      setRoute(next)
      if (next.page === 'conversations' && next.id !== null) setLastConversation(next.id)
    }
    window.addEventListener('hashchange', onHash)
    return () => window.removeEventListener('hashchange', onHash)
  }, [])
  useEffect(() => boot.live.watch(setLiveState), [boot.live])
  useEffect(() => { offers.reload().catch(() => {}) }, [])

  const users = useMemo(() => new Map(boot.users.map(u => [u.id, u])), [boot.users])
  const services: ConsoleServices = {
    api: boot.api,
    live: boot.live,
    feed: boot.feed,
    schema: boot.schema,
    sel: boot.sel,
    me: boot.me,
    users,
    userList: boot.users,
    openChannels: boot.openChannels,
    offers: offers.offers,
    reloadOffers: offers.reload,
    open,
    showColleague: (userId) => {
      setTab('all')
      setFilters({ status: '', openChannelId: '', assigneeId: userId })
      if (route.page !== 'conversations') go({ page: 'conversations', id: lastConversation })
    },
    toast: (text, kind = 'info') => toasts.push({ text, kind }),
    staffChats
  }
  const totalUnread = [...unread.values()].reduce((a, b) => a + b, 0)

  return (
    <ConsoleContext.Provider value={services}>
      <div class='console'>
        <TopBar liveState={liveState} unread={totalUnread} route={route} lastConversation={lastConversation} kpiAlerts={kpiAlerts} onSignOut={props.onSignOut} />
        {/* Stays mounted on other pages: the Unanswered count and badges keep updating. */}
        <div class='columns' hidden={route.page !== 'conversations'}>
          <aside class='sidebar'>
            <nav class='tabs' role='tablist'>
              <button type='button' role='tab' aria-selected={tab === 'unanswered'} class={tab === 'unanswered' ? 'tab active' : 'tab'} onClick={() => setTab('unanswered')}>
                Unanswered <span class='count unanswered-count'>{unansweredCount}</span>
              </button>
              <button type='button' role='tab' aria-selected={tab === 'all'} class={tab === 'all' ? 'tab active' : 'tab'} onClick={() => setTab('all')}>Conversations</button>
            </nav>
            <div class='tab-panel' hidden={tab !== 'unanswered'}>
              <UnansweredList selected={selected} unread={unread} onCount={setUnansweredCount} />
            </div>
            <div class='tab-panel' hidden={tab !== 'all'}>
              <ConversationList selected={selected} unread={unread} filters={filters} onFilters={setFilters} />
            </div>
          </aside>
          <main class='main'>
            {selected === null
              ? <div class='empty'><p class='muted'>Pick a conversation on the left.</p></div>
              : <ConversationView key={selected} id={selected} />}
          </main>
        </div>
        {route.page !== 'conversations' && <main class='page-main'><PageView route={route} /></main>}
        <Toasts toasts={toasts.toasts} dismiss={toasts.dismiss} />
      </div>
    </ConsoleContext.Provider>
  )
}
