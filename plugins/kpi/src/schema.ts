// The plugin's part of the staff API (SDL). Resolvers live in graphql.ts.
export const typeDefs = /* GraphQL */ `
  enum KpiResponseKind { first later }
  enum KpiGroupBy { day week month agent openChannel }

  "H3: response-time figures of one conversation, kept up to date as messages come."
  type ConversationKpi {
    "Seconds from the client's first message to the first public agent answer; null until answered."
    firstResponseSec: Int
    "Mean seconds of every answer (first and later); null until answered."
    avgResponseSec: Float
    "Answers that ended a wait of the client."
    responseCount: Int!
    "How often a response target was missed."
    lateCount: Int!
    "The client is waiting past a target right now."
    late: Boolean!
    lateSince: DateTime
    "Since when the client waits for an answer; null when nobody has to answer."
    waitingSince: DateTime
    "Closed after at least one agent answer."
    resolved: Boolean!
    "The client's rating, like or dislike (ratings plugin); null until rated, and always without that plugin."
    rating: String
  }

  extend type Conversation {
    kpi: ConversationKpi!
  }

  "H2: a missed target, as the notification one recipient got."
  type KpiAlert {
    id: ID!
    conversationId: ID!
    kind: KpiResponseKind!
    "The responsible agent when the target was missed."
    agentId: ID
    "The rendered notification text."
    text: String!
    dueAt: DateTime!
    createdAt: DateTime!
    readAt: DateTime
  }

  type KpiAlertPage { nodes: [KpiAlert!]!, "Pass as after for older alerts" nextCursor: String }

  type KpiFigures {
    "Conversations created in the period (of the responsible agent when grouped by agent)."
    conversations: Int!
    "Of those, answered by an agent."
    answered: Int!
    "Of those, closed after an agent answer."
    resolved: Int!
    "Of those, late at least once."
    late: Int!
    "resolved / conversations; null without conversations."
    resolvedShare: Float
    "Answers given in the period (by the answering agent when grouped by agent)."
    responses: Int!
    "Seconds (percentile_cont) of the first answers given in the period."
    firstResponseP50: Float
    firstResponseP90: Float
    "Seconds (percentile_cont) of every answer given in the period."
    responseP50: Float
    responseP90: Float
    "Clients' likes and dislikes of those conversations (ratings plugin); null without that plugin."
    likes: Int
    dislikes: Int
    "Mean of the supervisors' 1–5 stars of those conversations (two decimals); null without stars or without the ratings plugin."
    averageStars: Float
  }

  type KpiGroup {
    "The period's start (ISO), the agent's or open channel's id, or none (no responsible agent)."
    key: String!
    periodStart: DateTime
    agentId: ID
    openChannelId: ID
    "The agent's or open channel's name."
    name: String
    figures: KpiFigures!
  }

  type KpiStatistics {
    from: DateTime!
    to: DateTime!
    groupBy: KpiGroupBy
    timeZone: String!
    total: KpiFigures!
    groups: [KpiGroup!]!
  }

  extend type Query {
    "Late-response notifications of the signed-in user, newest first."
    myKpiAlerts(unreadOnly: Boolean = false, first: Int = 50, after: ID): KpiAlertPage!
    "H3: figures for [from, to), optionally of one open channel or agent, grouped by period (in timeZone), agent or open channel. Without history scope all, only your own."
    kpiStatistics(from: DateTime!, to: DateTime!, openChannelId: ID, agentId: ID, groupBy: KpiGroupBy, timeZone: String = "UTC"): KpiStatistics!
  }

  extend type Mutation {
    "Mark your own alerts read; returns how many changed."
    markKpiAlertsRead(ids: [ID!]!): Int!
  }

  extend type Subscription {
    "Your late-response notifications as they happen."
    kpiAlert: KpiAlert!
  }
`
