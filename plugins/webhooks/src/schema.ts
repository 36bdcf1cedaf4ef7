// The plugin's part of the agent API (SDL). Holders of manageOpenChannels only.
export const typeDefs = /* GraphQL */ `
  "An endpoint that receives signed JSON POSTs for the events it subscribes to. Its secret is never readable."
  type Webhook {
    id: ID!
    url: String!
    description: String
    "Event names (see webhookEvents)."
    events: [String!]!
    "Only events of these open channels; empty: every open channel."
    openChannelIds: [ID!]!
    active: Boolean!
    "Why the endpoint was switched off automatically (410 Gone, too many failures in a row); null otherwise."
    disabledReason: String
    "When it was switched off, automatically or by hand."
    disabledAt: DateTime
    "Failed attempts since the last success."
    consecutiveFailures: Int!
    createdAt: DateTime!
    updatedAt: DateTime!
  }

  "A new endpoint and its signing secret: shown this once."
  type CreatedWebhook {
    webhook: Webhook!
    secret: String!
  }

  enum WebhookDeliveryStatus { pending delivered failed }

  "One event sent (or to be sent) to one endpoint, with its retries."
  type WebhookDelivery {
    id: ID!
    "The X-Openline-Delivery header: unique per delivery."
    uid: String!
    webhookId: ID!
    event: String!
    "The body's id: the same for every endpoint and for redeliveries of the event."
    eventId: String!
    status: WebhookDeliveryStatus!
    attempts: Int!
    lastError: String
    "HTTP status of the last answer, if any."
    responseStatus: Int
    "Asked for by an admin (ping or redelivery)."
    manual: Boolean!
    redeliveryOfId: ID
    createdAt: DateTime!
    lastAttemptAt: DateTime
    "When the next attempt is due; null once finished."
    nextAttemptAt: DateTime
    deliveredAt: DateTime
  }

  type WebhookDeliveryPage { nodes: [WebhookDelivery!]!, "Pass as after for older deliveries" nextCursor: String }

  input WebhookInput {
    "https (http only where the plugin option allowHttp is on); not a private or loopback address."
    url: String!
    events: [String!]!
    "Only these open channels; empty or absent: every open channel."
    openChannelIds: [ID!]
    active: Boolean = true
    description: String
  }

  "Fields given replace the current ones; description null clears it; openChannelIds [] removes the filter."
  input WebhookPatch {
    url: String
    events: [String!]
    openChannelIds: [ID!]
    "Switching an endpoint on again clears why it was switched off and its failure count."
    active: Boolean
    description: String
  }

  extend type Query {
    webhooks: [Webhook!]!
    webhook(id: ID!): Webhook
    "Event names an endpoint may subscribe to."
    webhookEvents: [String!]!
    "Newest first, at most 100 a page."
    webhookDeliveries(webhookId: ID!, first: Int = 30, after: String): WebhookDeliveryPage!
  }

  extend type Mutation {
    createWebhook(input: WebhookInput!): CreatedWebhook!
    updateWebhook(id: ID!, input: WebhookPatch!): Webhook!
    "Deletes its deliveries too."
    deleteWebhook(id: ID!): Boolean!
    "A new signing secret, shown this once; the old one stops working at once."
    rotateWebhookSecret(id: ID!): String!
    "Send a finished delivery again (same event id and body, new delivery uid), even to a switched-off endpoint."
    redeliverWebhook(deliveryId: ID!): WebhookDelivery!
    "Send a ping event now, even to a switched-off endpoint."
    pingWebhook(id: ID!): WebhookDelivery!
  }
`
