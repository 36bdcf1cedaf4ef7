// The console's only way to the server: the agent GraphQL API over fetch and the upload route.
import type { Upload } from './types.ts'

export interface FieldProblem { path: string, message: string }

/** A failed request as the UI shows it: the server's message, its OL_ code and field problems. */
export interface ApiFailure extends Error {
  code: string | null
  fields: FieldProblem[]
}

export function apiFailure (message: string, code: string | null = null, fields: FieldProblem[] = []): ApiFailure {
  return Object.assign(new Error(message), { code, fields })
}

export function isApiFailure (err: unknown): err is ApiFailure {
  return err instanceof Error && 'code' in err && 'fields' in err
}

export interface Api {
  /** Run a query or mutation; resolves with `data`, rejects with an ApiFailure for any error. */
  request: <T = any>(document: string, variables?: Record<string, unknown>) => Promise<T>
  upload: (file: File) => Promise<Upload>
}

interface GraphQLBody {
  data?: unknown
  errors?: { message: string, extensions?: { code?: string, fields?: FieldProblem[] } }[]
}

/** `onSignedOut` runs when the server no longer accepts the token (expired, logged out everywhere). */
export function createApi (token: string | null, onSignedOut: () => void = () => {}): Api {
  const auth: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` }
  return {
    async request<T> (document: string, variables: Record<string, unknown> = {}): Promise<T> {
      // Optional arguments are left out instead of sent as null: the console never means "set to
      // null", and resolvers read an absent argument as "not given".
      const given = Object.fromEntries(Object.entries(variables).filter(([, v]) => v !== null && v !== undefined))
      let res: Response
      try {
        res = await fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ query: document, variables: given }) })
      } catch {
        throw apiFailure('The server cannot be reached. Check your connection.', 'OL_NETWORK')
      }
      let body: GraphQLBody
      try {
        body = await res.json() as GraphQLBody
      } catch {
        throw apiFailure(`The server answered ${res.status}.`, 'OL_HTTP')
      }
      const first = body.errors?.[0]
      if (first !== undefined) {
        const code = first.extensions?.code ?? null
        if (code === 'OL_UNAUTHENTICATED' && token !== null) onSignedOut()
        throw apiFailure(first.message, code, first.extensions?.fields ?? [])
      }
      return body.data as T
    },
    async upload (file) {
      const form = new FormData()
      form.append('file', file, file.name)
      let res: Response
      try {
        res = await fetch('/files', { method: 'POST', headers: auth, body: form })
      } catch {
        throw apiFailure('The server cannot be reached. Check your connection.', 'OL_NETWORK')
      }
      // Errors of plain routes are { error: <OL_ code>, message, fields }.
      const body = await res.json().catch(() => ({})) as Partial<Upload> & { message?: string, error?: string, fields?: FieldProblem[] }
      if (!res.ok || typeof body.id !== 'string') throw apiFailure(body.message ?? `Upload failed (${res.status})`, body.error ?? null, body.fields ?? [])
      return body as Upload
    }
  }
}
