// Answer (take) or Skip (pass to the next agent) a conversation offered to the agent (K2).
import { useState } from 'preact/hooks'
import { errorText, useConsole } from './context.ts'

export function OfferButtons (props: { conversationId: string, onAnswered?: () => void }) {
  const { api, reloadOffers, open, toast } = useConsole()
  const [busy, setBusy] = useState(false)

  async function run (mutation: 'answerConversation' | 'skipConversation'): Promise<void> {
    setBusy(true)
    try {
      await api.request(mutation === 'answerConversation'
        ? 'mutation($id: ID!) { answerConversation(id: $id) { id } }'
        : 'mutation($id: ID!) { skipConversation(id: $id) }', { id: props.conversationId })
      if (mutation === 'answerConversation') {
        open(props.conversationId)
        props.onAnswered?.()
      } else toast('Skipped: offered to the next agent')
    } catch (err) {
      toast(errorText(err), 'error')
    } finally {
      setBusy(false)
      reloadOffers().catch(() => {})
    }
  }

  return (
    <span class='offer-buttons'>
      <button type='button' class='primary answer' disabled={busy} onClick={() => run('answerConversation')}>Answer</button>
      <button type='button' class='skip' disabled={busy} onClick={() => run('skipConversation')}>Skip</button>
    </span>
  )
}
