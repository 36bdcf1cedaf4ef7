// The signed-in layout: top bar, Unanswered and Conversations on the left, the open conversation
// on the right (hash route #/conversations/<id>), toasts; and the services every view shares.
import { useEffect, useMemo, useState } from 'preact/hooks'
import { ConsoleContext, type ConsoleServices } from './context.ts'
import type { Boot } from './Workspace.tsx'
import type { LiveState } from './live.ts'
import { useOffers } from './offers.ts'
import { useAlerts } from './alerts.ts'
import { TopBar } from './TopBar.tsx'
import { Toasts, useToasts } from './Toasts.tsx'
import { UnansweredList } from './UnansweredList.tsx'
import { ConversationList, type ListFilters } from './ConversationList.tsx'
import { ConversationView } from './ConversationView.tsx'

const routePattern = /^#\/conversations\/(\d{1,19})$/
const selectedFromHash = (): string | null => routePattern.exec(location.hash)?.[1] ?? null
const open = (id: string): void => { location.hash = `#/conversations/${id}` }

export function Shell (props: { boot: Boot, onSignOut: () => void }) {
  const { boot } = props
  const [selected, setSelected] = useState<string | null>(selectedFromHash())
  const [tab, setTab] = useState<'unanswered' | 'all'>('unanswered')
  const [filters, setFilters] = useState<ListFilters>({ status: '', openChannelId: '', assigneeId: '' })
  const [liveState, setLiveState] = useState<LiveState>('connecting')
  const [unansweredCount, setUnansweredCount] = useState(0)
  const toasts = useToasts()
  const offers = useOffers(boot.api, boot.sel)
  const unread = useAlerts({ api: boot.api, feed: boot.feed, me: boot.me, offers, selected, open, toast: toasts.push })

  useEffect(() => {
    const onHash = (): void => setSelected(selectedFromHash())
    window.addEventListener('hashchange', onHash)
    return () => window.removeEventListener('hashchange', onHash)
  }, [])
  useEffect(() => boot.live.watch(setLiveState), [boot.live])
  useEffect(() => { offers.reload().catch(() => {}) }, [])

  const users = useMemo(() => new Map(boot.users.map(u => [u.id, u])), [boot.users])
  const services: ConsoleServices = {
    api: boot.api,
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
    showColleague: (userId) => { setTab('all'); setFilters({ status: '', openChannelId: '', assigneeId: userId }) },
    toast: (text, kind = 'info') => toasts.push({ text, kind })
  }
  const totalUnread = [...unread.values()].reduce((a, b) => a + b, 0)

  return (
    <ConsoleContext.Provider value={services}>
      <div class='console'>
        <TopBar liveState={liveState} unread={totalUnread} onSignOut={props.onSignOut} />
        <div class='columns'>
          <aside class='sidebar'>
            <nav class='tabs' role='tablist'>
              <button type='button' role='tab' aria-selected={tab === 'unanswered'} class={tab === 'unanswered' ? 'tab active' : 'tab'} onClick={() => setTab('unanswered')}>
                Unanswered <span class='count unanswered-count'>{unansweredCount}</span>
              </button>
              <button type='button' role='tab' aria-selected={tab === 'all'} class={tab === 'all' ? 'tab active' : 'tab'} onClick={() => setTab('all')}>Conversations</button>
            </nav>
            {/* Both stay mounted: the Unanswered count and badges keep updating on the other tab. */}
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
        <Toasts toasts={toasts.toasts} dismiss={toasts.dismiss} />
      </div>
    </ConsoleContext.Provider>
  )
}
