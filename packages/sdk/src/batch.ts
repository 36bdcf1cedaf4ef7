// A per-request batch (the DataLoader idea, without its cache): a field of every item of a list in
// one GraphQL response is read with one query. Resolvers of sibling list items run in the same turn
// of the event loop; the first call of a request opens a batch keyed on the request's GraphQL
// context, the load runs on the next turn with every key collected. Nothing outlives the batch, so
// a subscription's later pushes read fresh rows.

export type BatchLoad<V> = (keys: string[]) => Promise<Map<string, V>>

/** `get(context, key)`: the value of `key`, loaded together with every key asked for in the same turn and context. */
export function perRequestBatch<V> (load: BatchLoad<V>): (context: object, key: string) => Promise<V | undefined> {
  const open = new WeakMap<object, { keys: Set<string>, result: Promise<Map<string, V>> }>()
  return (context, key) => {
    let batch = open.get(context)
    if (batch === undefined) {
      const keys = new Set<string>()
      const result = new Promise<void>(resolve => setImmediate(resolve)).then(() => {
        open.delete(context)
        return load([...keys])
      })
      batch = { keys, result }
      open.set(context, batch)
    }
    batch.keys.add(key)
    return batch.result.then(values => values.get(key))
  }
}
