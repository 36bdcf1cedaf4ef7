// The quick-answers plugin's shapes (E9) as the console reads them.

export interface QuickAnswer {
  id: string
  openChannelId: string | null
  title: string | null
  text: string
  category: string | null
  personal: boolean
  usageCount: number
  canEdit: boolean
}

export const answerSelection = 'id openChannelId title text category personal usageCount canEdit'
