// Raw SQL access the store functions share: inside a transaction (`tx.query`) or a plain read.
import type { PluginContext } from '@openline/sdk'

/** Runs one statement with `?` placeholders and returns its rows. */
export type Query = <Row = Record<string, any>>(sql: string, params?: unknown[]) => Promise<Row[]>

/** Reads outside any transaction, on a fresh entity manager. */
export function reader (ctx: Pick<PluginContext<any>, 'em'>): Query {
  return async <Row>(sql: string, params: unknown[] = []) => await ctx.em().getConnection().execute(sql, params, 'all') as Row[]
}
