import { OpenlineError, errorCodes, isId } from '@openline/sdk'

export { isId }

/** `value` as an id, or a field-level OL_VALIDATION error at `path`. */
export function checkId (value: unknown, path: string): string {
  if (!isId(value)) throw new OpenlineError(errorCodes.validation, `Invalid id at ${path}`, { fields: [{ path, message: 'must be an id' }] })
  return value
}
