// The widget's websocket: graphql-ws on /visitor/graphql with the visitor token in
// connection_init. It reconnects for as long as the page lives; on every (re)connection the caller
// re-reads the transcript, since pushes sent while it was away are lost.
import { createClient, type Client } from 'graphql-ws/client'
import { queries, type VisitorEvent } from './types.ts'

export interface Live { close: () => void }

export function connectLive (base: string, token: string, handlers: { event: (e: VisitorEvent) => void, connected: () => void, refused: () => void }): Live {
  const client: Client = createClient({
    url: `${base.replace(/^http/, 'ws')}/visitor/graphql`,
    connectionParams: { visitorToken: token },
    lazy: false,
    keepAlive: 25_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    // 1 s, 2 s, 4 s … up to 30 s, with jitter so a server restart is not met by every widget at once.
    retryWait: async (retries) => new Promise(resolve => setTimeout(resolve, Math.min(30_000, 1000 * 2 ** retries) * (0.5 + Math.random() / 2))),
    on: { connected: () => handlers.connected() }
  })
  const stop = client.subscribe<{ visitorEvents: VisitorEvent }>({ query: queries.events }, {
    next: (result) => {
      if (result.data?.visitorEvents !== undefined) handlers.event(result.data.visitorEvents)
      else if (result.errors !== undefined) handlers.refused()
    },
    // The server refused the subscription (unknown token, site not allowed): stop trying.
    error: () => handlers.refused(),
    complete: () => {}
  })
  return { close: () => { stop(); void client.dispose() } }
}
