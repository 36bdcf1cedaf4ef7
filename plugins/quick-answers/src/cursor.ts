import { OpenlineError, errorCodes } from '@openline/sdk'

// Keyset cursors: the sort values of the last row of a page, opaque to clients.

export type CursorValue = string | number

export function encodeCursor (values: CursorValue[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url')
}

/** The values of a cursor, each checked against `kinds`, or OL_VALIDATION on `/after`. */
export function decodeCursor (cursor: string, kinds: ('string' | 'integer' | 'id')[]): CursorValue[] {
  const invalid = new OpenlineError(errorCodes.validation, 'Invalid cursor', { fields: [{ path: '/after', message: 'invalid cursor' }] })
  let values: unknown
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString())
  } catch {
    throw invalid
  }
  if (!Array.isArray(values) || values.length !== kinds.length) throw invalid
  const ok = kinds.every((kind, i) => {
    const v = values[i]
    if (kind === 'integer') return Number.isSafeInteger(v)
    if (kind === 'id') return typeof v === 'string' && /^[1-9][0-9]{0,18}$/.test(v)
    return typeof v === 'string' && v.length <= 1000
  })
  if (!ok) throw invalid
  return values as CursorValue[]
}

/** `first` as a page size of 1 to `max`, or OL_VALIDATION on `/first`. */
export function pageSize (first: unknown, max: number): number {
  if (!Number.isInteger(first) || (first as number) < 1 || (first as number) > max) {
    throw new OpenlineError(errorCodes.validation, `Page size must be 1 to ${max}`, { fields: [{ path: '/first', message: `must be 1 to ${max}` }] })
  }
  return first as number
}
