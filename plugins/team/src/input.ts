// Input checks shared by the resolvers: each failure is an OL_VALIDATION error naming its field.
import { OpenlineError, errorCodes, isId, type FieldError } from '@openline/sdk'

export const limits = {
  /** Characters in a chat message, a post or a comment. */
  body: 10_000,
  title: 200,
  /** Users named in one `startStaffChat`. */
  memberIds: 100,
  /** Members of one staff chat at a time. */
  members: 500,
  page: 100
} as const

export function invalid (message: string, fields: FieldError[]): OpenlineError {
  return new OpenlineError(errorCodes.validation, message, { fields })
}

export function notFound (what: string): OpenlineError {
  return new OpenlineError(errorCodes.notFound, `${what} not found`, { statusCode: 404 })
}

/** `value` as an id, or a validation error at `path`. */
export function checkId (value: unknown, path: string): string {
  if (!isId(value)) throw invalid(`Invalid id at ${path}`, [{ path, message: 'must be an id' }])
  return value
}

/** A message, post or comment body: not blank, at most `limits.body` characters. Kept as written. */
export function checkBody (value: unknown, path: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid('The text must not be empty', [{ path, message: 'must not be empty' }])
  if (value.length > limits.body) throw invalid(`The text is longer than ${limits.body} characters`, [{ path, message: `at most ${limits.body} characters` }])
  return value
}

/** An optional comment: null when absent or blank, else checked like a body. */
export function optionalBody (value: unknown, path: string): string | null {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return null
  return checkBody(value, path)
}

export function checkTitle (value: unknown, path = '/title'): string {
  const title = typeof value === 'string' ? value.trim() : ''
  if (title === '') throw invalid('The title must not be empty', [{ path, message: 'must not be empty' }])
  if (title.length > limits.title) throw invalid(`The title is longer than ${limits.title} characters`, [{ path, message: `at most ${limits.title} characters` }])
  return title
}

export function pageSize (value: unknown, path: string): number {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > limits.page) {
    throw invalid(`Page size must be 1–${limits.page}`, [{ path, message: `must be 1–${limits.page}` }])
  }
  return value as number
}

// Keyset cursors: (time, id) of the last row, opaque to clients.
export function encodeCursor (at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url')
}

export function decodeCursor (cursor: unknown, path: string): [string, string] {
  const [at, id] = typeof cursor === 'string' ? Buffer.from(cursor, 'base64url').toString().split('|') : []
  if (at === undefined || id === undefined || Number.isNaN(new Date(at).getTime()) || !isId(id)) throw invalid('Invalid cursor', [{ path, message: 'invalid cursor' }])
  return [at, id]
}
