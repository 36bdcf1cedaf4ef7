// Subscriptions over graphql-ws at /graphql. The token travels in connection_init (browsers cannot
// set headers on websockets); an open socket is also what makes the agent "online" for routing.
import { createClient, type Client } from 'graphql-ws/client'

export type LiveState = 'connecting' | 'live' | 'offline'

export interface Live {
  /** Returns the function that ends the subscription. */
  subscribe: <T>(document: string, variables: Record<string, unknown>, onData: (data: T) => void) => () => void
  /** Called now and on every change. */
  watch: (listener: (state: LiveState) => void) => () => void
  close: () => void
}

// graphql-ws closes with 4403 when the server's onConnect refuses the token.
const forbidden = 4403

export function createLive (token: string, onSignedOut: () => void): Live {
  let state: LiveState = 'connecting'
  const listeners = new Set<(state: LiveState) => void>()
  const set = (next: LiveState): void => {
    if (next === state) return
    state = next
    for (const l of listeners) l(state)
  }
  const client: Client = createClient({
    url: `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/graphql`,
    connectionParams: { authorization: token },
    lazy: false,
    keepAlive: 20_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: (event) => (event as CloseEvent | undefined)?.code !== forbidden,
    // The state indicator shows a lost connection; the browser console stays quiet.
    onNonLazyError: () => {},
    on: {
      connecting: () => set('connecting'),
      connected: () => set('live'),
      closed: (event) => {
        set('offline')
        if ((event as CloseEvent | undefined)?.code === forbidden) onSignedOut()
      }
    }
  })
  return {
    subscribe (document, variables, onData) {
      return client.subscribe({ query: document, variables }, {
        next: (result) => { if (result.data !== undefined && result.data !== null) onData(result.data as never) },
        // A refused subscription (field missing on an older server) must not take the console down.
        error: () => {},
        complete: () => {}
      })
    },
    watch (listener) {
      listeners.add(listener)
      listener(state)
      return () => { listeners.delete(listener) }
    },
    close () {
      listeners.clear()
      void client.dispose()
    }
  }
}
