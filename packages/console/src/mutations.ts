// Documents of the conversation mutations that answer with the updated conversation.
import type { Api } from './api.ts'
import type { Conversation } from './types.ts'

/** Run `name(args)` and return the conversation it answers with; `args` maps name → [GraphQL type, value]. */
export async function conversationMutation (api: Api, selection: string, name: string, args: Record<string, [type: string, value: unknown]>): Promise<Conversation> {
  const entries = Object.entries(args)
  const decl = entries.map(([arg, [type]]) => `$${arg}: ${type}`).join(', ')
  const call = entries.map(([arg]) => `${arg}: $${arg}`).join(', ')
  const data = await api.request<{ result: Conversation }>(`mutation ConsoleConversation${decl === '' ? '' : `(${decl})`} { result: ${name}${call === '' ? '' : `(${call})`} { ${selection} } }`,
    Object.fromEntries(entries.map(([arg, [, value]]) => [arg, value])))
  return data.result
}
