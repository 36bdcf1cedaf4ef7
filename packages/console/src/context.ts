// What every view of the signed-in console shares: API clients, the schema's capabilities, the
// directory of colleagues and open channels, and a few app-wide actions.
import { createContext } from 'preact'
import { useContext, useEffect, useRef } from 'preact/hooks'
import type { Api } from './api.ts'
import type { Feed, FeedEvent } from './feed.ts'
import type { Live } from './live.ts'
import type { StaffChatsState } from './team/useStaffChats.ts'
import type { Schema } from './schema.ts'
import type { Selections } from './selections.ts'
import type { Me, Offer, OpenChannelRef, UserRef } from './types.ts'

export interface ConsoleServices {
  api: Api
  live: Live
  feed: Feed
  schema: Schema
  sel: Selections
  me: Me
  users: Map<string, UserRef>
  userList: UserRef[]
  openChannels: OpenChannelRef[]
  /** Conversations offered to the signed-in agent, by conversation id. */
  offers: Map<string, Offer>
  reloadOffers: () => Promise<Offer[]>
  /** Show a conversation (hash route #/conversations/<id>). */
  open: (conversationId: string) => void
  /** List a colleague's conversations (a colleague mention was clicked). */
  showColleague: (userId: string) => void
  toast: (text: string, kind?: 'info' | 'error') => void
  /** K6 staff chats, when the server has them (team plugin). */
  staffChats: StaffChatsState | null
}

export const ConsoleContext = createContext<ConsoleServices | null>(null)

export function useConsole (): ConsoleServices {
  const services = useContext(ConsoleContext)
  if (services === null) throw new Error('useConsole outside the signed-in console')
  return services
}

/** Listen to the live feed for the component's lifetime; the latest handler is always used. */
export function useFeed (handler: (event: FeedEvent) => void): void {
  const { feed } = useConsole()
  const latest = useRef(handler)
  latest.current = handler
  useEffect(() => feed.on((event) => latest.current(event)), [feed])
}

/** Run `fn` at most once per `ms` of quiet after the last call: list refreshes after bursts of events. */
export function useDebounced (fn: () => void, ms: number): () => void {
  const latest = useRef(fn)
  latest.current = fn
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null)
  useEffect(() => () => { if (timer.current !== null) clearTimeout(timer.current) }, [])
  const ref = useRef(() => {
    if (timer.current !== null) clearTimeout(timer.current)
    timer.current = setTimeout(() => { timer.current = null; latest.current() }, ms)
  })
  return ref.current
}

export function errorText (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
