// F1–F3 in the conversation: the client's 👍/👎 and the supervisor's stars with the comment;
// supervisors (history scope all) rate with "Rate" / "Change rating".
import { useState } from 'preact/hooks'
import { useConsole } from '../context.ts'
import { timeOf } from '../format.ts'
import type { Conversation } from '../types.ts'
import { clientRatingText, ratingOf, starsText } from './rating.ts'
import { RateDialog } from './RateDialog.tsx'

export function RatingPanel (props: { conversation: Conversation, onConversation: (c: Conversation) => void }) {
  const { schema, me } = useConsole()
  const [rating, setRating] = useState(false)
  const r = ratingOf(props.conversation)
  const client = r?.client ?? null
  const supervisor = r?.supervisor ?? null
  const askedAt = r?.askedAt ?? null
  const canRate = me.historyScope === 'all' && schema.plugin('Mutation', 'rateConversation')
  return (
    <section class='side-section rating-panel'>
      <h3>Rating</h3>
      {client !== null
        ? <p class='client-rating-line'>Client: <span class={`client-rating client-rating-${client.value}`}>{clientRatingText(client.value)} {client.value === 'like' ? 'liked' : 'disliked'}</span> <span class='muted'>{timeOf(client.at)}</span></p>
        : <p class='muted client-rating-line'>{askedAt !== null ? `Client asked ${timeOf(askedAt)}, no answer yet` : 'Client: not rated'}</p>}
      {supervisor !== null && (
        <div class='supervisor-rating'>
          <p><span class='stars' aria-label={`${supervisor.stars} stars`}>{starsText(supervisor.stars)}</span> <span class='muted'>by {supervisor.byName ?? 'a supervisor'}, {timeOf(supervisor.at)}</span></p>
          {supervisor.comment !== null && <p class='rating-comment'>{supervisor.comment}</p>}
        </div>
      )}
      {canRate && <button type='button' class='rate-button' onClick={() => setRating(true)}>{supervisor !== null ? 'Change rating' : 'Rate'}</button>}
      {rating && (
        <RateDialog
          conversationId={props.conversation.id}
          current={supervisor}
          onClose={() => setRating(false)}
          onDone={(next) => { props.onConversation({ ...props.conversation, rating: next }); setRating(false) }}
        />
      )}
    </section>
  )
}
