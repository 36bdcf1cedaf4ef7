// K1: conversations waiting for an answer, oldest first, with the agent's offers (Answer / Skip).
import { useEffect, useState } from 'preact/hooks'
import { errorText, useConsole, useDebounced, useFeed } from './context.ts'
import { connectorLabel, conversationName, timeOf } from './format.ts'
import type { Conversation } from './types.ts'
import { OfferButtons } from './OfferButtons.tsx'

const refreshMs = 30_000

export function UnansweredList (props: { selected: string | null, unread: Map<string, number>, onCount: (n: number) => void }) {
  const { api, schema, sel, me, offers, open } = useConsole()
  const [unanswered, setUnanswered] = useState<Conversation[]>([])
  const [error, setError] = useState<string | null>(null)

  async function load (): Promise<void> {
    // Older cores have no unansweredConversations: the agent's offers are the list then.
    if (!schema.core('Query', 'unansweredConversations')) return
    try {
      const data = await api.request<{ unansweredConversations: Conversation[] }>(`query ConsoleUnanswered { unansweredConversations(first: 100) { ${sel.conversation} } }`)
      setUnanswered(data.unansweredConversations)
      setError(null)
    } catch (err) {
      setError(errorText(err))
    }
  }
  const refresh = useDebounced(() => { void load() }, 200)
  useEffect(() => {
    void load()
    const timer = setInterval(() => { void load() }, refreshMs)
    return () => clearInterval(timer)
  }, [])
  useFeed((event) => {
    if (event.type === 'messageAdded' || event.type === 'conversationUpdated' || event.type === 'offerChanged') refresh()
  })

  // Offers first (they expire), then the rest oldest first. A conversation a colleague holds is
  // theirs to answer (it stays in the Conversations list); skipping an offer drops it from here.
  const offered = [...offers.values()].map(o => o.conversation)
  const rest = unanswered.filter(c => !offers.has(c.id) && (c.assigneeId === null || c.assigneeId === me.id))
  const items = [...offered, ...rest]
  useEffect(() => { props.onCount(items.length) }, [items.length])

  return (
    <section class='list unanswered-list' aria-label='Unanswered conversations'>
      {error !== null && <p class='form-error'>{error}</p>}
      {items.length === 0 && <p class='muted empty-list'>Nothing waiting. New conversations appear here.</p>}
      <ul>
        {items.map(c => {
          const unread = props.unread.get(c.id) ?? 0
          return (
            <li key={c.id} class={`list-item${c.id === props.selected ? ' selected' : ''}${offers.has(c.id) ? ' offered' : ''}`} data-conversation-id={c.id}>
              <button type='button' class='list-open' onClick={() => open(c.id)}>
                <span class='list-title'>{conversationName(c)}</span>
                {unread > 0 && <span class='badge'>{unread}</span>}
                <span class='channel-mark'>{connectorLabel(c.connector)}</span>
                <span class='list-time'>{timeOf(c.lastClientMessageAt ?? c.createdAt)}</span>
                <span class='preview'>{c.preview ?? ''}</span>
              </button>
              {offers.has(c.id) && <OfferButtons conversationId={c.id} />}
            </li>
          )
        })}
      </ul>
    </section>
  )
}
