import type { PluginContext } from '@openline/sdk'

/** Runs one statement with `?` placeholders and returns its rows. */
export type Query = <Row = Record<string, any>>(sql: string, params?: unknown[]) => Promise<Row[]>

/** Reads outside any transaction, on a fresh entity manager (no BEGIN/COMMIT round trips). */
export function reader (ctx: Pick<PluginContext<any>, 'em'>): Query {
  return async <Row>(sql: string, params: unknown[] = []) => await ctx.em().getConnection().execute(sql, params, 'all') as Row[]
}

/** `{1,2,3}`: ids (already checked) as a PostgreSQL array literal for `any(?::bigint[])`; em.execute would expand a JS array. */
export function idArray (ids: readonly string[]): string {
  return `{${ids.join(',')}}`
}
