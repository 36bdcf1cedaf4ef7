import { OpenlineError, errorCodes } from '@openline/sdk'

const maxBigint = 9223372036854775807n

/** A row id: a positive PostgreSQL bigint as a decimal string (anything else would fail in SQL, not here). */
export function isId (value: unknown): value is string {
  return typeof value === 'string' && /^[1-9][0-9]{0,18}$/.test(value) && BigInt(value) <= maxBigint
}

/** `value` as an id, or a field-level OL_VALIDATION error at `path`. */
export function checkId (value: unknown, path: string): string {
  if (!isId(value)) throw new OpenlineError(errorCodes.validation, `Invalid id at ${path}`, { fields: [{ path, message: 'must be an id' }] })
  return value
}
