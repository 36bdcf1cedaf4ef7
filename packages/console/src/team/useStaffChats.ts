// K6 staff chats for the whole console: the signed-in user's chats with unread counts, one
// subscription per chat (the plugin pushes per chat only), a toast for a message in a chat that
// is not on screen, and the messages fanned out to the chat view.
import { useEffect, useRef, useState } from 'preact/hooks'
import type { Api } from '../api.ts'
import type { Live } from '../live.ts'
import type { Toast } from '../Toasts.tsx'
import { go } from '../route.ts'
import { plainText } from '../markup.ts'
import { chatMessageSelection, chatSelection, type StaffChat, type StaffChatMessage } from './team.ts'

export interface StaffChatsState {
  chats: StaffChat[]
  /** Unread messages over all chats. */
  unread: number
  loaded: boolean
  reload: () => Promise<void>
  /** The chat on screen (its messages are not announced); null when none. */
  setOpen: (chatId: string | null) => void
  markRead: (chatId: string) => Promise<void>
  onMessage: (listener: (m: StaffChatMessage) => void) => () => void
}

// Nobody pushes "you were added to a chat": the list is read again now and then.
const refreshMs = 30_000

export function useStaffChats (deps: { api: Api, live: Live, enabled: boolean, meId: string, toast: (t: Omit<Toast, 'id'>) => void }): StaffChatsState | null {
  const [chats, setChats] = useState<StaffChat[]>([])
  const [loaded, setLoaded] = useState(false)
  const open = useRef<string | null>(null)
  const listeners = useRef(new Set<(m: StaffChatMessage) => void>())
  const subscriptions = useRef(new Map<string, () => void>())
  const latest = useRef({ chats, deps })
  latest.current = { chats, deps }

  async function reload (): Promise<void> {
    const data = await deps.api.request<{ staffChats: { nodes: StaffChat[] } }>(`query ConsoleStaffChats { staffChats(first: 100) { nodes { ${chatSelection} } } }`)
    setChats(data.staffChats.nodes)
    setLoaded(true)
  }

  function received (m: StaffChatMessage): void {
    const mine = m.authorId === latest.current.deps.meId
    const onScreen = open.current === m.chatId && document.visibilityState === 'visible'
    setChats(list => list.map(c => c.id !== m.chatId || c.lastMessage?.id === m.id
      ? c
      : { ...c, lastMessage: m, lastMessageAt: m.createdAt, unreadCount: mine || onScreen ? c.unreadCount : c.unreadCount + 1 }))
    for (const l of [...listeners.current]) l(m)
    if (!mine && !onScreen) {
      const chat = latest.current.chats.find(c => c.id === m.chatId)
      latest.current.deps.toast({ kind: 'message', text: `${m.authorName ?? 'A colleague'} in “${chat?.title ?? 'a staff chat'}”`, detail: plainText(m.body).slice(0, 140), onClick: () => go({ page: 'staffChats', id: m.chatId }) })
    }
  }

  useEffect(() => {
    if (!deps.enabled) return
    reload().catch(() => {})
    const timer = setInterval(() => { reload().catch(() => {}) }, refreshMs)
    return () => {
      clearInterval(timer)
      for (const stop of subscriptions.current.values()) stop()
      subscriptions.current.clear()
    }
  }, [deps.enabled])

  // One subscription per chat the user is in; chats they left are dropped.
  const ids = chats.map(c => c.id).sort().join(',')
  useEffect(() => {
    const wanted = new Set(chats.map(c => c.id))
    for (const [id, stop] of subscriptions.current) if (!wanted.has(id)) { stop(); subscriptions.current.delete(id) }
    for (const id of wanted) {
      if (subscriptions.current.has(id)) continue
      subscriptions.current.set(id, deps.live.subscribe<{ staffChatMessageAdded: StaffChatMessage }>(
        `subscription ConsoleStaffChat($id: ID!) { staffChatMessageAdded(chatId: $id) { ${chatMessageSelection} } }`, { id }, (d) => received(d.staffChatMessageAdded)))
    }
  }, [ids])

  if (!deps.enabled) return null
  return {
    chats,
    loaded,
    unread: chats.reduce((sum, c) => sum + c.unreadCount, 0),
    reload,
    setOpen: (chatId) => { open.current = chatId },
    async markRead (chatId) {
      const data = await deps.api.request<{ markStaffChatRead: { id: string, unreadCount: number } }>('mutation ConsoleChatRead($id: ID!) { markStaffChatRead(chatId: $id) { id unreadCount } }', { id: chatId })
      setChats(list => list.map(c => c.id === chatId ? { ...c, unreadCount: data.markStaffChatRead.unreadCount } : c))
    },
    onMessage (listener) {
      listeners.current.add(listener)
      return () => { listeners.current.delete(listener) }
    }
  }
}
