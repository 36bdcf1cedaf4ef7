// Hash routes of the signed-in console. The hash keeps every page linkable (notifications and
// other plugins link to #/conversations/<id>) without a server route per page.

export type CrmKind = 'contact' | 'lead' | 'deal'

export type Route =
  | { page: 'conversations', id: string | null }
  | { page: 'tasks' }
  | { page: 'staffChats', id: string | null }
  | { page: 'feed' }
  | { page: 'statistics' }
  | { page: 'quickAnswers' }
  | { page: 'crm', kind: CrmKind, id: string | null }

const id = String.raw`(\d{1,19})`
const patterns: [RegExp, (m: RegExpExecArray) => Route][] = [
  [new RegExp(`^#/conversations/${id}$`), m => ({ page: 'conversations', id: m[1] })],
  [/^#\/tasks$/, () => ({ page: 'tasks' })],
  [new RegExp(`^#/staff-chats(?:/${id})?$`), m => ({ page: 'staffChats', id: m[1] ?? null })],
  [/^#\/feed$/, () => ({ page: 'feed' })],
  [/^#\/statistics$/, () => ({ page: 'statistics' })],
  [/^#\/quick-answers$/, () => ({ page: 'quickAnswers' })],
  [new RegExp(`^#/crm(?:/(contact|lead|deal)(?:/${id})?)?$`), m => ({ page: 'crm', kind: (m[1] ?? 'contact') as CrmKind, id: m[2] ?? null })]
]

/** Anything unknown (including an empty hash) is the conversations page with nothing open. */
export function parseRoute (hash: string): Route {
  for (const [pattern, route] of patterns) {
    const m = pattern.exec(hash)
    if (m !== null) return route(m)
  }
  return { page: 'conversations', id: null }
}

export function routeHash (route: Route): string {
  switch (route.page) {
    case 'conversations': return route.id === null ? '#/' : `#/conversations/${route.id}`
    case 'tasks': return '#/tasks'
    case 'staffChats': return route.id === null ? '#/staff-chats' : `#/staff-chats/${route.id}`
    case 'feed': return '#/feed'
    case 'statistics': return '#/statistics'
    case 'quickAnswers': return '#/quick-answers'
    case 'crm': return route.id === null ? `#/crm/${route.kind}` : `#/crm/${route.kind}/${route.id}`
  }
}

export function go (route: Route): void {
  location.hash = routeHash(route)
}
