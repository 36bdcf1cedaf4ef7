// Small things every resolver of the plugin needs: raw reads, id checks, coded errors.
import { OpenlineError, errorCodes, isId, type FieldError, type PluginContext } from '@openline/sdk'

/** Raw SQL with `?` placeholders on a fresh entity manager, outside any transaction. */
export async function readRows (ctx: PluginContext<any>, sql: string, params: unknown[] = []): Promise<Record<string, any>[]> {
  return await ctx.em().getConnection().execute(sql, params, 'all') as Record<string, any>[]
}

/** An id argument, or OL_VALIDATION at `path`. */
export function checkId (value: unknown, path: string): string {
  if (!isId(value)) throw new OpenlineError(errorCodes.validation, `Invalid id at ${path}`, { fields: [{ path, message: 'must be an id' }] })
  return value
}

export function notFound (what: string): OpenlineError {
  return new OpenlineError(errorCodes.notFound, `${what} not found`, { statusCode: 404 })
}

export function invalid (what: string, fields: FieldError[]): OpenlineError {
  return new OpenlineError(errorCodes.validation, `Invalid ${what}: ${fields.map(f => `${f.path} ${f.message}`).join('; ')}`, { fields })
}

/** What `lookup` found, or null for OL_NOT_FOUND; other errors are thrown on. */
export async function orNull<T> (lookup: Promise<T>): Promise<T | null> {
  try {
    return await lookup
  } catch (err) {
    if ((err as OpenlineError).code === errorCodes.notFound) return null
    throw err
  }
}

/** Whether a visibility check (which throws OL_NOT_FOUND for no) passed. */
export async function passes (check: Promise<unknown>): Promise<boolean> {
  return await orNull(check.then(() => true)) ?? false
}

/** `first` as a page size of 1 to `max`, or OL_VALIDATION on `/first`. */
export function pageSize (first: unknown, max: number): number {
  if (!Number.isInteger(first) || (first as number) < 1 || (first as number) > max) {
    throw new OpenlineError(errorCodes.validation, `Page size must be 1 to ${max}`, { fields: [{ path: '/first', message: `must be 1 to ${max}` }] })
  }
  return first as number
}
