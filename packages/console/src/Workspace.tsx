// Starting a session: who the agent is, colleagues and open channels, what the server's schema
// offers; then the live feed. The Shell takes over once everything is there.
import { useEffect, useState } from 'preact/hooks'
import { createApi, type Api } from './api.ts'
import { errorText } from './context.ts'
import { openFeed, type Feed } from './feed.ts'
import { createLive, type Live } from './live.ts'
import { loadSchema, type Schema } from './schema.ts'
import { selectionsFor, type Selections } from './selections.ts'
import type { Me, OpenChannelRef, UserRef } from './types.ts'
import { Shell } from './Shell.tsx'

export interface Boot {
  api: Api
  live: Live
  feed: Feed
  schema: Schema
  sel: Selections
  me: Me
  users: UserRef[]
  openChannels: OpenChannelRef[]
}

const directoryQuery = `query ConsoleDirectory {
  me { id name role { permissions { viewHistory } } }
  users { id name active }
  openChannels { id name }
}`

interface Directory {
  me: { id: string, name: string, role: { permissions: { viewHistory: string } } | null } | null
  users: (UserRef & { active: boolean })[]
  openChannels: OpenChannelRef[]
}

export function Workspace (props: { token: string, onSignOut: () => void }) {
  const [boot, setBoot] = useState<Boot | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    let cancelled = false
    let live: Live | null = null
    let feed: Feed | null = null
    const api = createApi(props.token, props.onSignOut)
    Promise.all([loadSchema(api), api.request<Directory>(directoryQuery)]).then(([schema, dir]) => {
      if (cancelled) return
      if (dir.me === null) { props.onSignOut(); return }
      const sel = selectionsFor(schema)
      live = createLive(props.token, props.onSignOut)
      feed = openFeed(live, schema, sel)
      const me: Me = { id: dir.me.id, name: dir.me.name, historyScope: (dir.me.role?.permissions.viewHistory ?? 'OWN').toLowerCase() }
      setBoot({ api, live, feed, schema, sel, me, users: dir.users.filter(u => u.active), openChannels: dir.openChannels })
    }).catch((err) => { if (!cancelled) setError(errorText(err)) })
    return () => {
      cancelled = true
      feed?.close()
      live?.close()
    }
  }, [props.token])

  if (error !== null) {
    return (
      <main class='boot'>
        <p class='form-error' role='alert'>The console could not start: {error}</p>
        <button type='button' onClick={props.onSignOut}>Sign in again</button>
      </main>
    )
  }
  if (boot === null) return <main class='boot'><p class='muted'>Loading…</p></main>
  return <Shell boot={boot} onSignOut={props.onSignOut} />
}
