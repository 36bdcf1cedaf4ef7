import type { PluginContext } from '@openline/sdk'

/** Raw SQL outside a transaction, `?` placeholders (every value a parameter); returns rows. */
export async function query<Row> (ctx: PluginContext, sql: string, params: unknown[]): Promise<Row[]> {
  return await ctx.em().getConnection().execute<Row[]>(sql, params, 'all') as Row[]
}
