// The team feed in the database: posts (optionally quoting a conversation message) and their comments.
import { placeholders, type Query } from './db.ts'
import { quoteColumns, quoteOf, type Quote } from './quotes.ts'

export interface FeedComment {
  id: string
  postId: string
  authorId: string
  authorName: string
  body: string
  createdAt: Date
}

export interface FeedPost {
  id: string
  authorId: string
  authorName: string
  /** The author's text; with a quote, their comment on it (may be empty). */
  body: string
  quote: Quote | null
  createdAt: Date
  comments: FeedComment[]
}

const postSelect = `select fp.id::text, fp.author_id::text, u.name as author_name, fp.body, fp.created_at, ${quoteColumns}
  from team_feed_posts fp join users u on u.id = fp.author_id left join team_quotes q on q.id = fp.quote_id`

export async function insertPost (query: Query, input: { authorId: string, body: string, quoteId?: string | null }): Promise<string> {
  const [row] = await query<{ id: string }>('insert into team_feed_posts (author_id, body, quote_id) values (?, ?, ?) returning id::text',
    [input.authorId, input.body, input.quoteId ?? null])
  return row.id
}

export async function postAuthor (query: Query, id: string): Promise<string | null> {
  const [row] = await query<{ author_id: string }>('select author_id::text from team_feed_posts where id = ?', [id])
  return row?.author_id ?? null
}

/** Delete a post with its comments and its copy of the quoted text. */
export async function deletePost (query: Query, id: string): Promise<void> {
  const [row] = await query<{ quote_id: string | null }>('delete from team_feed_posts where id = ? returning quote_id::text', [id])
  if (row?.quote_id != null) await query('delete from team_quotes where id = ?', [row.quote_id])
}

export async function insertComment (query: Query, input: { postId: string, authorId: string, body: string }): Promise<void> {
  await query('insert into team_feed_comments (post_id, author_id, body) values (?, ?, ?)', [input.postId, input.authorId, input.body])
}

/** Newest first; `beforeId` is the last post of the previous page (ids grow with time). */
export async function postPage (query: Query, first: number, beforeId: string | null): Promise<{ nodes: FeedPost[], nextCursor: string | null }> {
  const rows = await query(`${postSelect} ${beforeId === null ? '' : 'where fp.id < ?'} order by fp.id desc limit ${first + 1}`, beforeId === null ? [] : [beforeId])
  const nodes = await withComments(query, rows.slice(0, first))
  return { nodes, nextCursor: rows.length > first && nodes.length > 0 ? nodes[nodes.length - 1].id : null }
}

export async function postById (query: Query, id: string): Promise<FeedPost | null> {
  const [post] = await withComments(query, await query(`${postSelect} where fp.id = ?`, [id]))
  return post ?? null
}

async function withComments (query: Query, rows: Record<string, any>[]): Promise<FeedPost[]> {
  if (rows.length === 0) return []
  const comments = await query(
    `select fc.id::text, fc.post_id::text, fc.author_id::text, u.name as author_name, fc.body, fc.created_at
       from team_feed_comments fc join users u on u.id = fc.author_id
      where fc.post_id in (${placeholders(rows.length)}) order by fc.id`, rows.map(r => r.id))
  const byPost = new Map<string, FeedComment[]>()
  for (const c of comments) {
    const list = byPost.get(c.post_id) ?? []
    list.push({ id: c.id, postId: c.post_id, authorId: c.author_id, authorName: c.author_name, body: c.body, createdAt: new Date(c.created_at) })
    byPost.set(c.post_id, list)
  }
  return rows.map(row => ({
    id: row.id,
    authorId: row.author_id,
    authorName: row.author_name,
    body: row.body,
    quote: quoteOf(row),
    createdAt: new Date(row.created_at),
    comments: byPost.get(row.id) ?? []
  }))
}
