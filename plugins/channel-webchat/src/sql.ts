import type { PluginContext } from '@openline/sdk'

/** One statement outside any transaction (autocommit), `?` placeholders; returns the rows. */
export async function sql<Row = Record<string, unknown>> (ctx: Pick<PluginContext<any>, 'em'>, text: string, params: unknown[] = []): Promise<Row[]> {
  return await ctx.em().getConnection().execute(text, params, 'all') as Row[]
}
