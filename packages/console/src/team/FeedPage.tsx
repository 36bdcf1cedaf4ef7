// K6 team feed: posts newest first (quotes of conversation messages included), live through
// `feedPostAdded`; write a post, comment, delete your own.
import { useEffect, useState } from 'preact/hooks'
import { errorText, useConsole, useFeed } from '../context.ts'
import { timeOf } from '../format.ts'
import { MessageBody } from '../MessageBody.tsx'
import { postSelection, type FeedPost } from './team.ts'
import { QuoteBlock } from './QuoteBlock.tsx'

export function FeedPage () {
  const { api, toast } = useConsole()
  const [posts, setPosts] = useState<FeedPost[] | null>(null)
  const [cursor, setCursor] = useState<string | null>(null)
  const [text, setText] = useState('')
  const [error, setError] = useState<string | null>(null)

  const upsert = (post: FeedPost, atTop: boolean): void => setPosts(list => {
    const current = list ?? []
    if (current.some(p => p.id === post.id)) return current.map(p => p.id === post.id ? post : p)
    return atTop ? [post, ...current] : [...current, post]
  })

  async function load (after: string | null = null): Promise<void> {
    try {
      const data = await api.request<{ feed: { nodes: FeedPost[], nextCursor: string | null } }>(`query ConsoleFeed($after: String) { feed(first: 30, after: $after) { nodes { ${postSelection} } nextCursor } }`, { after })
      setPosts(list => after === null ? data.feed.nodes : [...(list ?? []), ...data.feed.nodes.filter(n => !(list ?? []).some(p => p.id === n.id))])
      setCursor(data.feed.nextCursor)
    } catch (err) {
      setError(errorText(err))
    }
  }
  useEffect(() => { void load() }, [])
  useFeed((event) => { if (event.type === 'feedPostAdded') upsert(event.post, true) })

  async function post (e: Event): Promise<void> {
    e.preventDefault()
    try {
      const data = await api.request<{ createFeedPost: FeedPost }>(`mutation ConsoleFeedPost($body: String!) { createFeedPost(body: $body) { ${postSelection} } }`, { body: text })
      upsert(data.createFeedPost, true)
      setText('')
      setError(null)
    } catch (err) {
      setError(errorText(err))
    }
  }
  async function remove (p: FeedPost): Promise<void> {
    try {
      await api.request('mutation ConsoleFeedDelete($id: ID!) { deleteFeedPost(id: $id) }', { id: p.id })
      setPosts(list => (list ?? []).filter(x => x.id !== p.id))
    } catch (err) {
      toast(errorText(err), 'error')
    }
  }

  return (
    <div class='page feed-page'>
      <header class='page-header'><h1>Team feed</h1></header>
      <form class='feed-compose' onSubmit={post}>
        <textarea name='post' placeholder='Share something with the team…' value={text} onInput={(e) => setText(e.currentTarget.value)} />
        {error !== null && <p class='form-error' role='alert'>{error}</p>}
        <button type='submit' class='primary' disabled={text.trim() === ''}>Post</button>
      </form>
      {posts !== null && posts.length === 0 && <p class='muted empty-list'>Nothing in the feed yet.</p>}
      <ol class='feed-posts'>
        {(posts ?? []).map(p => <FeedPostItem key={p.id} post={p} onChanged={(next) => upsert(next, false)} onDelete={() => { void remove(p) }} />)}
      </ol>
      {cursor !== null && <button type='button' class='more' onClick={() => { void load(cursor) }}>Older posts</button>}
    </div>
  )
}

function FeedPostItem (props: { post: FeedPost, onChanged: (p: FeedPost) => void, onDelete: () => void }) {
  const { api, me } = useConsole()
  const [comment, setComment] = useState('')
  const [error, setError] = useState<string | null>(null)
  const p = props.post
  async function send (e: Event): Promise<void> {
    e.preventDefault()
    try {
      const data = await api.request<{ commentOnFeedPost: FeedPost }>(`mutation ConsoleFeedComment($id: ID!, $body: String!) { commentOnFeedPost(postId: $id, body: $body) { ${postSelection} } }`, { id: p.id, body: comment })
      props.onChanged(data.commentOnFeedPost)
      setComment('')
      setError(null)
    } catch (err) {
      setError(errorText(err))
    }
  }
  return (
    <li class='feed-post' data-post-id={p.id}>
      <div class='message-meta'>
        <span class='author'>{p.authorName}</span>
        <time dateTime={p.createdAt}>{timeOf(p.createdAt)}</time>
        {p.authorId === me.id && <button type='button' class='link-button delete-post' onClick={props.onDelete}>Delete</button>}
      </div>
      {p.body !== '' && <div class='message-body post-body'><MessageBody body={p.body} mentions /></div>}
      {p.quote !== null && <QuoteBlock quote={p.quote} />}
      <ul class='feed-comments'>
        {p.comments.map(c => (
          <li key={c.id} class='feed-comment'><span class='author'>{c.authorName}</span> <span class='comment-body'>{c.body}</span> <span class='muted'>{timeOf(c.createdAt)}</span></li>
        ))}
      </ul>
      <form class='feed-comment-form' onSubmit={send}>
        <input type='text' name='comment' placeholder='Comment…' value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
        <button type='submit' disabled={comment.trim() === ''}>Comment</button>
      </form>
      {error !== null && <p class='form-error'>{error}</p>}
    </li>
  )
}
