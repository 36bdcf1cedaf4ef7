import { randomBytes } from 'node:crypto'

/**
 * A minimal Bot API client: `POST <apiBaseUrl>/bot<token>/<method>` with a JSON (or multipart)
 * body; every answer is `{ ok, result }` or `{ ok: false, error_code, description, parameters }`.
 */

export class TelegramApiError extends Error {
  /** HTTP status (0: no answer: network error or timeout). */
  readonly status: number
  readonly errorCode: number | undefined
  readonly description: string
  /** `parameters.retry_after` of a 429 (seconds), else the Retry-After header. */
  readonly retryAfterSec: number | undefined
  constructor (method: string, status: number, body: { error_code?: number, description?: string, retryAfterSec?: number }, cause?: unknown) {
    const description = body.description ?? (status === 0 ? 'no answer from the Bot API' : `HTTP ${status}`)
    super(`Telegram ${method}: ${description}`, { cause })
    this.name = 'TelegramApiError'
    this.status = status
    this.errorCode = body.error_code
    this.description = description
    this.retryAfterSec = body.retryAfterSec
  }
}

export interface ApiTarget {
  base: string
  token: string
}

interface ApiAnswer { ok?: unknown, result?: unknown, error_code?: unknown, description?: unknown, parameters?: { retry_after?: unknown } }

/**
 * A multipart/form-data body for uploads, encoded by hand: FormData would turn "\n" in captions
 * into "\r\n" (the HTML form rules), which shifts the bold entity offsets Telegram counts.
 */
export class Multipart {
  readonly contentType: string
  readonly data: Buffer
  constructor (fields: Record<string, unknown>, file: { field: string, name: string, type: string, bytes: Buffer }) {
    const boundary = `openline${randomBytes(16).toString('hex')}`
    const safe = (value: string): string => value.replace(/["\r\n\\]/g, '_')
    const chunks: Buffer[] = []
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined) continue
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${safe(key)}"\r\n\r\n${typeof value === 'string' ? value : JSON.stringify(value)}\r\n`))
    }
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${safe(file.field)}"; filename="${safe(file.name)}"\r\nContent-Type: ${safe(file.type)}\r\n\r\n`))
    chunks.push(file.bytes, Buffer.from(`\r\n--${boundary}--\r\n`))
    this.contentType = `multipart/form-data; boundary=${boundary}`
    this.data = Buffer.concat(chunks)
  }
}

const defaultTimeoutMs = 15_000

function positiveNumber (value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined
}

/** Call a Bot API method; resolves with `result`, throws `TelegramApiError` for anything else. */
export async function callApi<R = unknown> (target: ApiTarget, method: string, params: Record<string, unknown> | Multipart, options: { timeoutMs?: number } = {}): Promise<R> {
  const url = `${target.base}/bot${target.token}/${method}`
  const multipart = params instanceof Multipart ? params : null
  let res: Response
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': multipart?.contentType ?? 'application/json' },
      body: multipart !== null ? new Uint8Array(multipart.data) : JSON.stringify(params),
      redirect: 'error',
      signal: AbortSignal.timeout(options.timeoutMs ?? defaultTimeoutMs)
    })
  } catch (err) {
    throw new TelegramApiError(method, 0, { description: `request failed: ${(err as Error).message}` }, err)
  }
  let body: ApiAnswer | null
  try {
    body = await res.json() as ApiAnswer | null
  } catch {
    body = null
  }
  if (res.ok && body !== null && typeof body === 'object' && body.ok === true) return body.result as R
  const retryAfterSec = positiveNumber(body?.parameters?.retry_after) ?? positiveNumber(res.headers.get('retry-after'))
  throw new TelegramApiError(method, res.status, {
    error_code: typeof body?.error_code === 'number' ? body.error_code : undefined,
    description: typeof body?.description === 'string' ? body.description : undefined,
    retryAfterSec
  })
}
