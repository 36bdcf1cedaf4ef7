// K3: every earlier conversation with this client.
import { useEffect, useState } from 'preact/hooks'
import { errorText, useConsole } from './context.ts'
import { connectorLabel, conversationName, statusLabels, timeOf } from './format.ts'
import type { Conversation } from './types.ts'
import { Dialog, FormError } from './Dialog.tsx'

export function HistoryDialog (props: { conversation: Conversation, onClose: () => void }) {
  const { api, sel, open } = useConsole()
  const [list, setList] = useState<Conversation[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    api.request<{ clientConversations: Conversation[] }>(`query ConsoleHistory($id: ID!) { clientConversations(clientId: $id, first: 100) { ${sel.conversation} } }`, { id: props.conversation.client.id })
      .then(d => setList(d.clientConversations), err => setError(errorText(err)))
  }, [])
  return (
    <Dialog title={`History with ${props.conversation.client.name ?? 'this client'}`} name='history' onClose={props.onClose}>
      <FormError error={error} />
      {list === null && error === null && <p class='muted'>Loading…</p>}
      {list !== null && list.length === 0 && <p class='muted'>No other conversations.</p>}
      {list !== null && (
        <ul class='history-list'>
          {list.map(c => (
            <li key={c.id} class={c.id === props.conversation.id ? 'current' : ''} data-conversation-id={c.id}>
              <button type='button' class='link-button' onClick={() => { open(c.id); props.onClose() }}>
                #{c.id} {conversationName(c)}
              </button>
              <span class='channel-mark'>{connectorLabel(c.connector)}</span>
              <span class={`status status-${c.status}`}>{statusLabels[c.status] ?? c.status}</span>
              <span class='muted'>{timeOf(c.createdAt)} · {c.messageCount} messages</span>
              {c.preview !== undefined && c.preview !== null && <span class='preview'>{c.preview}</span>}
            </li>
          ))}
        </ul>
      )}
    </Dialog>
  )
}
