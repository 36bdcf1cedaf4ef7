import { createClient, type Client } from 'graphql-ws'
import WebSocket from 'ws'

export interface GraphQLResponse<T> {
  data?: T
  errors?: { message: string, extensions?: { code?: string, fields?: { path: string, message: string }[] } }[]
}

export interface Subscription<T> {
  /** The next pushed result (waits up to `timeoutMs`). */
  next: (timeoutMs?: number) => Promise<GraphQLResponse<T>>
  /** Everything received so far and not yet taken by `next`. */
  buffered: () => GraphQLResponse<T>[]
  close: () => void
}

export interface AgentClient {
  token: string | null
  query: <T = any>(query: string, variables?: Record<string, unknown>) => Promise<GraphQLResponse<T>>
  /** Open a graphql-ws subscription; resolves once the server acknowledged the connection. */
  subscribe: <T = any>(query: string, variables?: Record<string, unknown>) => Promise<Subscription<T>>
  close: () => Promise<void>
}

/** A staff member's client for the agent API: HTTP for queries, websocket (graphql-ws) for subscriptions. */
export function agentClient (baseUrl: string, token: string | null): AgentClient {
  let ws: Client | null = null
  let connected = false
  function socket (): Client {
    if (ws !== null) return ws
    ws = createClient({
      url: baseUrl.replace(/^http/, 'ws') + '/graphql',
      webSocketImpl: WebSocket,
      connectionParams: token === null ? {} : { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: true
    })
    ws.on('connected', () => { connected = true })
    ws.on('closed', () => { connected = false })
    return ws
  }
  return {
    token,
    async query (query, variables) {
      const res = await fetch(`${baseUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
        body: JSON.stringify({ query, variables })
      })
      const text = await res.text()
      try {
        return JSON.parse(text)
      } catch {
        return { errors: [{ message: `HTTP ${res.status}: ${text}` }] }
      }
    },
    async subscribe<T> (query: string, variables?: Record<string, unknown>) {
      const queue: GraphQLResponse<T>[] = []
      const waiters: ((r: GraphQLResponse<T>) => void)[] = []
      let failed: Error | null = null
      const push = (r: GraphQLResponse<T>): void => {
        const w = waiters.shift()
        if (w !== undefined) w(r)
        else queue.push(r)
      }
      const client = socket()
      // A second subscription on an open socket: 'connected' already fired and will not again.
      const acked = connected ? Promise.resolve() : new Promise<void>((resolve, reject) => {
        const offAck = client.on('connected', () => { offAck(); resolve() })
        const offClosed = client.on('closed', (event: any) => { offClosed(); reject(new Error(`websocket closed: ${event?.code} ${event?.reason ?? ''}`)) })
      })
      const dispose = client.subscribe<T>({ query, variables }, {
        next: (value) => push(value as GraphQLResponse<T>),
        error: (err) => {
          failed = err instanceof Error ? err : new Error(JSON.stringify(err))
          push({ errors: [{ message: failed.message }] })
        },
        complete: () => {}
      })
      await acked
      // Give the server a moment to register the subscription before the caller triggers events.
      await new Promise(resolve => setTimeout(resolve, 50))
      return {
        next: (timeoutMs = 5000): Promise<GraphQLResponse<T>> => {
          const ready = queue.shift()
          if (ready !== undefined) return Promise.resolve(ready)
          return new Promise<GraphQLResponse<T>>((resolve, reject) => {
            const waiter = (r: GraphQLResponse<T>): void => { clearTimeout(timer); resolve(r) }
            // A waiter that timed out must not swallow the next push.
            const timer = setTimeout(() => { waiters.splice(waiters.indexOf(waiter), 1); reject(new Error(`no subscription push within ${timeoutMs} ms`)) }, timeoutMs)
            waiters.push(waiter)
          })
        },
        buffered: () => queue.splice(0),
        close: dispose
      }
    },
    async close () {
      if (ws !== null) await ws.dispose()
      ws = null
    }
  }
}
