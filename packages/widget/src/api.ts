// The widget's HTTP side: GraphQL requests to the visitor API, uploads, and the visitor token
// kept in localStorage (`openline:<key>`) so a reload finds the conversation again.

export interface FieldError { path: string, message: string }

/** `fields`: the field-level errors of a refused input (OL_VALIDATION), by JSON pointer. */
export interface ApiError extends Error { code: string, status: number, fields: FieldError[] }

export interface Api {
  request: <T>(query: string, variables?: Record<string, unknown>) => Promise<T>
  upload: (file: File) => Promise<{ id: string }>
  token: () => string | null
  setToken: (token: string | null) => void
}

const apiError = (message: string, code: string, status: number, fields: FieldError[] = []): ApiError => Object.assign(new Error(message), { code, status, fields })

function storage (): Storage | null {
  try {
    return window.localStorage
  } catch {
    return null // blocked (sandboxed frames, privacy settings): the visit lasts as long as the page
  }
}

export function createApi (base: string, key: string): Api {
  const slot = `openline:${key}`
  let memory: string | null = null
  const read = (): string | null => {
    try { return storage()?.getItem(slot) ?? memory } catch { return memory }
  }
  const auth = (): Record<string, string> => {
    const token = read()
    return token === null ? {} : { authorization: `Bearer ${token}` }
  }
  async function answer (res: Response): Promise<any> {
    let body: any
    try { body = await res.json() } catch { throw apiError(`HTTP ${res.status}`, 'OL_NETWORK', res.status) }
    const error = body?.errors?.[0] ?? (res.ok ? undefined : body)
    if (error !== undefined && error !== null) {
      const fields = Array.isArray(error.extensions?.fields) ? error.extensions.fields as FieldError[] : []
      throw apiError(String(error.message ?? 'Error'), String(error.extensions?.code ?? error.error ?? 'OL_ERROR'), res.status, fields)
    }
    return body
  }
  return {
    async request (query, variables) {
      const res = await fetch(`${base}/visitor/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth() }, body: JSON.stringify({ query, variables }) })
      return (await answer(res)).data
    },
    async upload (file) {
      const form = new FormData()
      form.append('file', file, file.name)
      const res = await fetch(`${base}/plugins/channel-webchat/upload`, { method: 'POST', headers: auth(), body: form })
      return answer(res)
    },
    token: read,
    setToken (token) {
      memory = token
      try {
        if (token === null) storage()?.removeItem(slot)
        else storage()?.setItem(slot, token)
      } catch {}
    }
  }
}
