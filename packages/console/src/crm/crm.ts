// The CRM plugin's shapes (I1–I6, E2) as the console reads them.
import type { CrmKind } from '../route.ts'

export interface CrmRecordRef {
  kind: 'contact' | 'lead' | 'deal' | 'company'
  id: string
  title: string | null
  responsibleUserId: string | null
  url: string | null
  adapter: string
  createdFromConversation: boolean
}

export const recordRefSelection = 'kind id title responsibleUserId url adapter createdFromConversation'

export interface CrmFormSummary { id: string, title: string }

export const kindLabels: Record<string, string> = { contact: 'Contact', lead: 'Lead', deal: 'Deal', company: 'Company' }

/** Records the console can show itself (the built-in CRM's); others open at their adapter's URL. */
export function consoleKind (ref: CrmRecordRef): CrmKind | null {
  return ref.adapter === 'builtin' && (ref.kind === 'contact' || ref.kind === 'lead' || ref.kind === 'deal') ? ref.kind : null
}
