// The team plugin's shapes (K6: staff chats and the team feed) as the console reads them.

export interface TeamQuote {
  conversationId: string
  messageId: string
  authorKind: string
  body: string
  createdAt: string
}

export interface StaffChatMessage {
  id: string
  chatId: string
  authorId: string | null
  authorName: string | null
  body: string
  quote: TeamQuote | null
  createdAt: string
  editedAt: string | null
}

export interface StaffChat {
  id: string
  title: string
  sourceConversationId: string | null
  lastMessageAt: string
  members: { userId: string, name: string }[]
  unreadCount: number
  lastMessage: StaffChatMessage | null
}

export interface FeedComment { id: string, authorId: string, authorName: string, body: string, createdAt: string }

export interface FeedPost {
  id: string
  authorId: string
  authorName: string
  body: string
  quote: TeamQuote | null
  createdAt: string
  comments: FeedComment[]
}

const quote = 'quote { conversationId messageId authorKind body createdAt }'
export const chatMessageSelection = `id chatId authorId authorName body ${quote} createdAt editedAt`
export const chatSelection = `id title sourceConversationId lastMessageAt members { userId name } unreadCount lastMessage { ${chatMessageSelection} }`
export const postSelection = `id authorId authorName body ${quote} createdAt comments { id authorId authorName body createdAt }`
