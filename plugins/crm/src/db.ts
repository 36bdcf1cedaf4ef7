// Small things every part of the plugin needs: raw reads, id checks, coded errors, keyset cursors.
import { OpenlineError, errorCodes, isId, type FieldError, type PluginContext, type Tx } from '@openline/sdk'

export type Row = Record<string, any>

/** Raw SQL with `?` placeholders: in `tx` when given, else on a fresh entity manager. */
export async function rows<R = Row> (ctx: PluginContext<any>, sql: string, params: unknown[] = [], tx?: Tx): Promise<R[]> {
  if (tx !== undefined) return tx.query<R>(sql, params)
  return await ctx.em().getConnection().execute(sql, params, 'all') as R[]
}

export function invalid (fields: FieldError[], what = 'input'): OpenlineError {
  return new OpenlineError(errorCodes.validation, `Invalid ${what}: ${fields.map(f => `${f.path} ${f.message}`).join('; ')}`, { fields })
}

export function notFound (what: string): OpenlineError {
  return new OpenlineError(errorCodes.notFound, `${what} not found`, { statusCode: 404 })
}

export function forbidden (message: string): OpenlineError {
  return new OpenlineError(errorCodes.forbidden, message, { statusCode: 403 })
}

/** An id argument, or OL_VALIDATION at `path`. */
export function checkId (value: unknown, path: string): string {
  if (!isId(value)) throw invalid([{ path, message: 'must be an id' }])
  return value
}

/** `first` as a page size of 1 to `max`, or OL_VALIDATION on `/first`. */
export function pageSize (first: unknown, max = 200): number {
  if (!Number.isInteger(first) || (first as number) < 1 || (first as number) > max) throw invalid([{ path: '/first', message: `must be 1 to ${max}` }])
  return first as number
}

/** Keyset cursors carry the last id of a page, newest first. */
export const encodeCursor = (id: string): string => Buffer.from(`id:${id}`).toString('base64url')

export function decodeCursor (after: unknown): string | null {
  if (after === undefined || after === null) return null
  const text = typeof after === 'string' ? Buffer.from(after, 'base64url').toString('utf8') : ''
  const id = text.startsWith('id:') ? text.slice(3) : ''
  if (!isId(id)) throw invalid([{ path: '/after', message: 'not a cursor of this list' }])
  return id
}

export const date = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string))

/** A `text[]` parameter: arrays given as `?` would be spread into a list, so they travel as JSON. */
export const textArray = 'array(select jsonb_array_elements_text(?::jsonb))'
export const asJson = (values: unknown): string => JSON.stringify(values)
