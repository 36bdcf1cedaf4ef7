// The plugin's part of the agent API (SDL). Staff only: nothing here exists in the visitor API.
export const typeDefs = /* GraphQL */ `
  "A conversation message as it read when it was quoted, with the link back to it."
  type TeamQuote {
    conversationId: ID!
    messageId: ID!
    authorKind: AuthorKind!
    body: String!
    "When the quoted message was written."
    createdAt: DateTime!
  }

  type StaffChatMember {
    userId: ID!
    name: String!
    joinedAt: DateTime!
  }

  type StaffChatMessage {
    id: ID!
    chatId: ID!
    "Null once the author's account is gone."
    authorId: ID
    authorName: String
    "Empty only on an opening message that quotes a conversation message without a comment."
    body: String!
    quote: TeamQuote
    createdAt: DateTime!
    editedAt: DateTime
  }

  "An internal chat between staff members (K6). It never has a client; nothing in it leaves the staff."
  type StaffChat {
    id: ID!
    title: String!
    createdById: ID
    "The conversation and message it was started from, if any."
    sourceConversationId: ID
    sourceMessageId: ID
    createdAt: DateTime!
    lastMessageAt: DateTime!
    "Current members, in the order they joined."
    members: [StaffChatMember!]!
    "Messages by others the signed-in user has not marked read."
    unreadCount: Int!
    lastMessage: StaffChatMessage
  }

  "You are in a new staff chat: a colleague started it with you, or added you to it."
  type StaffChatAddition {
    "The chat as you see it when the push arrives."
    chat: StaffChat!
    "The colleague who started the chat or added you."
    addedById: ID!
    addedByName: String!
  }

  type StaffChatPage { nodes: [StaffChat!]!, nextCursor: String }
  type StaffChatMessagePage { nodes: [StaffChatMessage!]!, "Pass as before to read older messages" previousCursor: String }

  type FeedComment {
    id: ID!
    postId: ID!
    authorId: ID!
    authorName: String!
    body: String!
    createdAt: DateTime!
  }

  "A post in the team feed, seen by every active staff member."
  type FeedPost {
    id: ID!
    authorId: ID!
    authorName: String!
    "The author's text; on a quoted message, their comment (may be empty)."
    body: String!
    quote: TeamQuote
    createdAt: DateTime!
    "Oldest first."
    comments: [FeedComment!]!
  }

  type FeedPage { nodes: [FeedPost!]!, nextCursor: String }

  extend type Query {
    "The signed-in user's staff chats, newest activity first."
    staffChats(first: Int = 30, after: String): StaffChatPage!
    "A staff chat the signed-in user is a member of; null otherwise."
    staffChat(id: ID!): StaffChat
    "Messages oldest first, at most 100 a page."
    staffChatMessages(chatId: ID!, last: Int = 50, before: String): StaffChatMessagePage!
    "The team feed, newest first, at most 100 a page."
    feed(first: Int = 30, after: String): FeedPage!
  }

  extend type Mutation {
    "A chat of the signed-in user and these colleagues (active users)."
    startStaffChat(title: String!, memberIds: [ID!]!): StaffChat!
    """
    K6 "discuss in a new chat": a chat of the signed-in user and every staff member of the
    message's conversation (assignee and current participants); its first message quotes the
    message. The conversation must be visible to the signed-in user.
    """
    startStaffChatFromMessage(messageId: ID!, title: String!, comment: String): StaffChat!
    "At most 10 000 characters; members only."
    postStaffChatMessage(chatId: ID!, body: String!): StaffChatMessage!
    "The author only."
    editStaffChatMessage(id: ID!, body: String!): StaffChatMessage!
    "Any member may add an active colleague; one who left comes back with their read mark."
    addStaffChatMember(chatId: ID!, userId: ID!): StaffChat!
    leaveStaffChat(chatId: ID!): Boolean!
    markStaffChatRead(chatId: ID!): StaffChat!
    "K6, discuss in the team feed: a post quoting a message the signed-in user may see, with their comment."
    postMessageToFeed(messageId: ID!, comment: String): FeedPost!
    createFeedPost(body: String!): FeedPost!
    commentOnFeedPost(postId: ID!, body: String!): FeedPost!
    "The author, or a holder of manageUsers."
    deleteFeedPost(id: ID!): Boolean!
  }

  extend type Subscription {
    "New messages of a staff chat; members only (others get OL_NOT_FOUND), and a member who leaves stops receiving."
    staffChatMessageAdded(chatId: ID!): StaffChatMessage!
    "Edited messages of a staff chat; members only."
    staffChatMessageEdited(chatId: ID!): StaffChatMessage!
    "Chats you are put in by a colleague (started with you, or you were added), as it happens; only your own."
    staffChatAdded: StaffChatAddition!
    "New posts of the team feed."
    feedPostAdded: FeedPost!
  }
`
