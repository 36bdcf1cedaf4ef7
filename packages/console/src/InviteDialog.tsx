// K5: invite a colleague into the conversation, with or without the history so far.
import { useState } from 'preact/hooks'
import { errorText, useConsole } from './context.ts'
import { conversationMutation } from './mutations.ts'
import type { Conversation } from './types.ts'
import { Dialog, FormError } from './Dialog.tsx'

export function InviteDialog (props: { conversation: Conversation, onClose: () => void, onDone: (c: Conversation) => void }) {
  const { api, sel, me, userList, toast } = useConsole()
  const [userId, setUserId] = useState('')
  const [withHistory, setWithHistory] = useState(true)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const present = new Set((props.conversation.participants ?? []).map(p => p.userId))
  const candidates = userList.filter(u => u.id !== me.id && !present.has(u.id))

  async function submit (e: Event): Promise<void> {
    e.preventDefault()
    if (userId === '') { setError('Choose a colleague.'); return }
    setBusy(true)
    try {
      const result = await conversationMutation(api, sel.conversation, 'inviteToConversation', {
        id: ['ID!', props.conversation.id], userId: ['ID!', userId], withHistory: ['Boolean', withHistory]
      })
      toast('Colleague invited')
      props.onDone(result)
    } catch (err) {
      setError(errorText(err))
      setBusy(false)
    }
  }

  return (
    <Dialog title='Invite a colleague' name='invite' onClose={props.onClose}>
      <form onSubmit={submit}>
        <label>Colleague
          <select name='userId' value={userId} onChange={(e) => setUserId(e.currentTarget.value)}>
            <option value=''>Choose…</option>
            {candidates.map(u => <option key={u.id} value={u.id}>{u.name}</option>)}
          </select>
        </label>
        <label class='check'><input type='checkbox' name='withHistory' checked={withHistory} onChange={(e) => setWithHistory(e.currentTarget.checked)} /> Show them the history so far</label>
        <FormError error={error} />
        <div class='dialog-actions'>
          <button type='submit' class='primary' disabled={busy}>Invite</button>
          <button type='button' onClick={props.onClose}>Cancel</button>
        </div>
      </form>
    </Dialog>
  )
}
