// K5 "lock as mine": pinned for a while, the conversation is not closed automatically.
import { useState } from 'preact/hooks'
import { errorText, useConsole } from './context.ts'
import { conversationMutation } from './mutations.ts'
import type { Conversation } from './types.ts'
import { Dialog, FormError } from './Dialog.tsx'

const presets: [number, string][] = [[30, '30 minutes'], [60, '1 hour'], [240, '4 hours'], [1440, '1 day'], [10080, '1 week']]

export function PinDialog (props: { conversation: Conversation, onClose: () => void, onDone: (c: Conversation) => void }) {
  const { api, sel, toast } = useConsole()
  const [minutes, setMinutes] = useState('60')
  const [error, setError] = useState<string | null>(null)

  async function submit (e: Event): Promise<void> {
    e.preventDefault()
    const n = Number(minutes)
    if (!Number.isInteger(n) || n < 1) { setError('Enter a whole number of minutes.'); return }
    try {
      const result = await conversationMutation(api, sel.conversation, 'pinConversation', { id: ['ID!', props.conversation.id], minutes: ['Int!', n] })
      toast('Locked as yours')
      props.onDone(result)
    } catch (err) {
      setError(errorText(err))
    }
  }

  return (
    <Dialog title='Lock as mine' name='pin' onClose={props.onClose}>
      <form onSubmit={submit}>
        <p class='muted'>While locked the conversation stays yours and is not closed automatically.</p>
        <div class='presets'>
          {presets.map(([n, label]) => (
            <button key={n} type='button' class={String(n) === minutes ? 'chip active' : 'chip'} onClick={() => setMinutes(String(n))}>{label}</button>
          ))}
        </div>
        <label>Minutes
          <input name='minutes' type='number' min='1' step='1' value={minutes} onInput={(e) => setMinutes(e.currentTarget.value)} />
        </label>
        <FormError error={error} />
        <div class='dialog-actions'>
          <button type='submit' class='primary'>Lock</button>
          <button type='button' onClick={props.onClose}>Cancel</button>
        </div>
      </form>
    </Dialog>
  )
}
