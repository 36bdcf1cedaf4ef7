// A conversation's rating in one line: the client's 👍/👎 and a supervisor's stars.
import { clientRatingText, starsText, type ConversationRating } from './rating.ts'

export function RatingMark (props: { rating: ConversationRating | null }) {
  const r = props.rating
  if (r === null || (r.client === null && r.supervisor === null)) return <span class='rating-mark muted'>—</span>
  return (
    <span class='rating-mark'>
      {r.client !== null && <span class={`client-rating client-rating-${r.client.value}`} title={`Client: ${r.client.value}`}>{clientRatingText(r.client.value)}</span>}
      {r.supervisor !== null && <span class='stars' title={`Supervisor: ${r.supervisor.stars} of 5`} aria-label={`${r.supervisor.stars} stars`}>{starsText(r.supervisor.stars)}</span>}
    </span>
  )
}
