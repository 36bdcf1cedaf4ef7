// Per-request batching for fields on lists (Conversation.crm): every parent's call in one tick
// becomes one query, keyed by the GraphQL context so requests never share results.
export function batchedLoader<V> (load: (keys: string[]) => Promise<Map<string, V>>, missing: V): (context: object, key: string) => Promise<V> {
  const pending = new WeakMap<object, { keys: Set<string>, result: Promise<Map<string, V>> }>()
  return async (context, key) => {
    let batch = pending.get(context)
    if (batch === undefined) {
      const keys = new Set<string>()
      const result = new Promise<void>(resolve => setImmediate(resolve)).then(async () => {
        pending.delete(context)
        return load([...keys])
      })
      batch = { keys, result }
      pending.set(context, batch)
    }
    batch.keys.add(key)
    return (await batch.result).get(key) ?? missing
  }
}
