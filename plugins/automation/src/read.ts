import type { PluginContext } from '@openline/sdk'

/**
 * A read outside any transaction (raw SQL with `?` placeholders) on a fresh entity manager: no
 * BEGIN/COMMIT round trips for queries the widget may ask often.
 */
export async function readRows<Row> (ctx: Pick<PluginContext<any>, 'em'>, sql: string, params: unknown[] = []): Promise<Row[]> {
  return await ctx.em().getConnection().execute(sql, params, 'all') as Row[]
}
