// K2/K5 transfer: to a colleague or to another open channel's queue; the history goes along.
import { useState } from 'preact/hooks'
import { errorText, useConsole } from './context.ts'
import { conversationMutation } from './mutations.ts'
import type { Conversation } from './types.ts'
import { Dialog, FormError } from './Dialog.tsx'

export function TransferDialog (props: { conversation: Conversation, onClose: () => void, onDone: (c: Conversation) => void }) {
  const { api, sel, me, userList, openChannels, toast } = useConsole()
  const [to, setTo] = useState<'user' | 'channel'>('user')
  const [userId, setUserId] = useState('')
  const [channelId, setChannelId] = useState('')
  const [comment, setComment] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const colleagues = userList.filter(u => u.id !== me.id && u.id !== props.conversation.assigneeId)
  const channels = openChannels.filter(c => c.id !== props.conversation.openChannelId)

  async function submit (e: Event): Promise<void> {
    e.preventDefault()
    const target = to === 'user' ? userId : channelId
    if (target === '') { setError(to === 'user' ? 'Choose a colleague.' : 'Choose an open channel.'); return }
    setBusy(true)
    try {
      const result = await conversationMutation(api, sel.conversation, 'transferConversation', {
        id: ['ID!', props.conversation.id],
        toUserId: ['ID', to === 'user' ? userId : null],
        toOpenChannelId: ['ID', to === 'channel' ? channelId : null],
        comment: ['String', comment.trim() === '' ? null : comment.trim()]
      })
      toast('Conversation transferred')
      props.onDone(result)
    } catch (err) {
      setError(errorText(err))
      setBusy(false)
    }
  }

  return (
    <Dialog title='Transfer conversation' name='transfer' onClose={props.onClose}>
      <form onSubmit={submit}>
        <fieldset class='choice'>
          <label><input type='radio' name='to' value='user' checked={to === 'user'} onChange={() => setTo('user')} /> To a colleague</label>
          <label><input type='radio' name='to' value='channel' checked={to === 'channel'} onChange={() => setTo('channel')} /> To an open channel</label>
        </fieldset>
        {to === 'user'
          ? (
            <label>Colleague
              <select name='toUserId' value={userId} onChange={(e) => setUserId(e.currentTarget.value)}>
                <option value=''>Choose…</option>
                {colleagues.map(u => <option key={u.id} value={u.id}>{u.name}</option>)}
              </select>
            </label>
            )
          : (
            <label>Open channel
              <select name='toOpenChannelId' value={channelId} onChange={(e) => setChannelId(e.currentTarget.value)}>
                <option value=''>Choose…</option>
                {channels.map(c => <option key={c.id} value={c.id}>{c.name}</option>)}
              </select>
            </label>
            )}
        <label>Comment for the colleague (optional)
          <textarea name='comment' value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
        </label>
        <FormError error={error} />
        <div class='dialog-actions'>
          <button type='submit' class='primary' disabled={busy}>Transfer</button>
          <button type='button' onClick={props.onClose}>Cancel</button>
        </div>
      </form>
    </Dialog>
  )
}
