// K1 notifications: what is new for the agent — an offer, a conversation handed to them, a client
// message in a conversation not on screen — becomes a toast, counts in the title badge until seen,
// and, with the tab hidden, a browser notification.
import { useEffect, useRef, useState } from 'preact/hooks'
import type { Api } from './api.ts'
import type { Feed } from './feed.ts'
import type { OffersState } from './offers.ts'
import type { Toast } from './Toasts.tsx'
import type { Me } from './types.ts'
import { conversationName } from './format.ts'
import { plainText } from './markup.ts'
import { notifyOutside, titleFor } from './notify.ts'

export interface AlertDeps {
  api: Api
  feed: Feed
  me: Me
  offers: OffersState
  selected: string | null
  open: (conversationId: string) => void
  toast: (toast: Omit<Toast, 'id'>) => void
}

/** Unread counts per conversation; keeps document.title in step. */
export function useAlerts (deps: AlertDeps): Map<string, number> {
  const [unread, setUnread] = useState<Map<string, number>>(new Map())
  const selected = useRef(deps.selected)
  selected.current = deps.selected
  // Conversations known as the agent's: one handed to them later (transfer) is announced once.
  const mine = useRef(new Set<string>())
  const latest = useRef(deps)
  latest.current = deps

  const viewing = (id: string): boolean => selected.current === id && document.visibilityState === 'visible'
  const bump = (id: string): void => setUnread(map => new Map(map).set(id, (map.get(id) ?? 0) + 1))
  const forget = (id: string): void => setUnread(map => {
    if (!map.has(id)) return map
    const next = new Map(map)
    next.delete(id)
    return next
  })
  const announce = (id: string, title: string, detail: string, tag: string): void => {
    const { toast, open } = latest.current
    toast({ kind: 'message', text: title, detail, onClick: () => open(id) })
    notifyOutside(title, detail, `${tag}-${id}`, () => open(id))
  }

  useEffect(() => {
    deps.api.request<{ conversations: { nodes: { id: string }[] } }>('query($me: ID!) { conversations(assigneeId: $me, status: [assigned, closing], first: 200) { nodes { id } } }', { me: deps.me.id })
      .then(d => { for (const c of d.conversations.nodes) mine.current.add(c.id) }, () => {})
  }, [])

  // Seen: the conversation is open in a visible tab.
  useEffect(() => {
    const clear = (): void => { if (selected.current !== null && document.visibilityState === 'visible') forget(selected.current) }
    clear()
    document.addEventListener('visibilitychange', clear)
    return () => document.removeEventListener('visibilitychange', clear)
  }, [deps.selected])

  const total = [...unread.values()].reduce((a, b) => a + b, 0)
  useEffect(() => { document.title = titleFor(total) }, [total])

  useEffect(() => deps.feed.on((event) => {
    const { me, offers } = latest.current
    if (event.type === 'messageAdded') {
      const m = event.message
      if (m.authorKind !== 'client' || viewing(m.conversationId)) return
      bump(m.conversationId)
      const text = plainText(m.body).slice(0, 140) || (m.attachments.length > 0 ? 'Sent a file' : '')
      announce(m.conversationId, `New message from ${m.authorName ?? 'the client'}`, text, 'message')
    } else if (event.type === 'conversationUpdated') {
      const c = event.conversation
      if (c.assigneeId !== me.id) { mine.current.delete(c.id); return }
      // An unaccepted assignment is an offer: announced by offerChanged.
      if (mine.current.has(c.id) || c.acceptedAt === null) return
      mine.current.add(c.id)
      if (offers.everOffered.has(c.id) || viewing(c.id)) return
      bump(c.id)
      announce(c.id, `Assigned to you: ${conversationName(c)}`, c.preview ?? '', 'assigned')
    } else if (event.type === 'offerChanged' && event.userId === me.id) {
      if (event.state === 'open') offers.everOffered.add(event.conversationId)
      // Skipped, withdrawn, expired or taken: no longer news.
      else forget(event.conversationId)
      offers.reload().then((list) => {
        if (event.state !== 'open') return
        const offer = list.find(o => o.conversation.id === event.conversationId)
        if (!viewing(event.conversationId)) bump(event.conversationId)
        announce(event.conversationId, `New conversation: ${offer !== undefined ? conversationName(offer.conversation) : `#${event.conversationId}`}`, offer?.conversation.preview ?? 'Waiting for an answer', 'offer')
      }).catch(() => {})
    }
  }), [deps.feed])

  return unread
}
