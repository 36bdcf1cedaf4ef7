// F3: a supervisor rates the conversation with 1–5 stars and a comment (`rateConversation`).
import { useState } from 'preact/hooks'
import { errorText, useConsole } from '../context.ts'
import { isApiFailure, type FieldProblem } from '../api.ts'
import { Dialog, FormError } from '../Dialog.tsx'
import { maxStars, ratingSelection, type ConversationRating } from './rating.ts'

export function RateDialog (props: { conversationId: string, current: ConversationRating['supervisor'], onClose: () => void, onDone: (r: ConversationRating) => void }) {
  const { api, toast } = useConsole()
  const [stars, setStars] = useState(props.current?.stars ?? 0)
  const [comment, setComment] = useState(props.current?.comment ?? '')
  const [error, setError] = useState<string | null>(null)
  const [fields, setFields] = useState<FieldProblem[]>([])
  const [busy, setBusy] = useState(false)
  const problem = (path: string): string | null => fields.find(f => f.path === path)?.message ?? null

  async function submit (e: Event): Promise<void> {
    e.preventDefault()
    setBusy(true)
    setError(null)
    setFields([])
    try {
      const data = await api.request<{ rateConversation: ConversationRating }>(
        `mutation ConsoleRate($id: ID!, $stars: Int!, $comment: String) { rateConversation(conversationId: $id, stars: $stars, comment: $comment) { ${ratingSelection} } }`,
        { id: props.conversationId, stars, comment })
      toast('Rating saved')
      props.onDone(data.rateConversation)
    } catch (err) {
      setError(errorText(err))
      if (isApiFailure(err)) setFields(err.fields)
      setBusy(false)
    }
  }

  return (
    <Dialog title='Rate the conversation' name='rate' onClose={props.onClose}>
      <form onSubmit={submit}>
        <fieldset class='star-choice'>
          <legend>Stars</legend>
          {Array.from({ length: maxStars }, (_, i) => i + 1).map(n => (
            <label key={n} class={`star${n <= stars ? ' on' : ''}`}>
              <input type='radio' name='stars' value={String(n)} checked={stars === n} onChange={() => setStars(n)} class='visually-hidden' />
              <span aria-hidden='true'>★</span><span class='visually-hidden'>{n} {n === 1 ? 'star' : 'stars'}</span>
            </label>
          ))}
        </fieldset>
        {problem('/stars') !== null && <p class='field-error'>{problem('/stars')}</p>}
        <label>Comment
          <textarea name='comment' value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
        </label>
        {problem('/comment') !== null && <p class='field-error'>{problem('/comment')}</p>}
        <FormError error={error} />
        <div class='dialog-actions'>
          <button type='submit' class='primary' disabled={busy}>Save rating</button>
          <button type='button' onClick={props.onClose}>Cancel</button>
        </div>
      </form>
    </Dialog>
  )
}
