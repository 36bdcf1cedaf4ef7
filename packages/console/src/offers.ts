// The conversations offered to the signed-in agent (myOffers), reloaded when offerChanged says so.
import { useRef, useState } from 'preact/hooks'
import type { Api } from './api.ts'
import type { Selections } from './selections.ts'
import type { Offer } from './types.ts'

export interface OffersState {
  offers: Map<string, Offer>
  reload: () => Promise<Offer[]>
  /** Every conversation offered to the agent since the console started (not announced twice). */
  everOffered: Set<string>
}

export function useOffers (api: Api, sel: Selections): OffersState {
  const [offers, setOffers] = useState<Map<string, Offer>>(new Map())
  const everOffered = useRef(new Set<string>())
  async function reload (): Promise<Offer[]> {
    const data = await api.request<{ myOffers: Offer[] }>(`query ConsoleOffers { myOffers { exclusive offeredAt expiresAt conversation { ${sel.conversation} } } }`)
    for (const o of data.myOffers) everOffered.current.add(o.conversation.id)
    setOffers(new Map(data.myOffers.map(o => [o.conversation.id, o])))
    return data.myOffers
  }
  return { offers, reload, everOffered: everOffered.current }
}
