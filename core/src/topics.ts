// Subscription topics, in one place so publishers and resolvers agree.
export const topics = {
  /** Every new or changed message (agents' feed; filtered per subscriber by permission). */
  messages: 'messages',
  conversation: (id: string) => `conversation:${id}`,
  /** Conversation state changes (status, assignee). */
  conversations: 'conversations',
  /** Offers made, taken, skipped, expired or withdrawn (each agent filters their own). */
  offers: 'offers',
  /** E10: the client is typing (with a preview where the channel sends one). */
  typing: 'typing'
} as const
