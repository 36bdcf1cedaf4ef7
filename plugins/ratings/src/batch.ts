// `Conversation.rating` for a whole list in one query: the resolvers of sibling list items run in
// the same turn of the event loop, so the first call of a GraphQL request starts a batch keyed on
// the request's context and the load runs on the next turn with every id collected. Nothing is
// cached beyond the batch: a subscription's later pushes read fresh rows.

export type LoadMany<V> = (ids: string[]) => Promise<Map<string, V>>

export function batchPerRequest<V> (loadMany: LoadMany<V>): (context: object, id: string) => Promise<V | undefined> {
  const pending = new WeakMap<object, { ids: Set<string>, loaded: Promise<Map<string, V>> }>()
  return async (context, id) => {
    let batch = pending.get(context)
    if (batch === undefined) {
      const ids = new Set<string>()
      const loaded = new Promise<void>(resolve => setImmediate(resolve)).then(async () => {
        pending.delete(context)
        return await loadMany([...ids])
      })
      batch = { ids, loaded }
      pending.set(context, batch)
    }
    batch.ids.add(id)
    return (await batch.loaded).get(id)
  }
}
