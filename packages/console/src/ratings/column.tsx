// #6: the rating column of the conversation list (the client's like/dislike, supervisor stars).
import { registerColumn } from '../columns.tsx'
import { ratingOf, ratingSelection } from './rating.ts'
import { RatingMark } from './RatingMark.tsx'

registerColumn({
  id: 'rating',
  title: 'Rating',
  fields: [['rating', `rating { ${ratingSelection} }`]],
  render: (c) => <RatingMark rating={ratingOf(c)} />
})
