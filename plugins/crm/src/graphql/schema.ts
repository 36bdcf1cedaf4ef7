export const agentTypeDefs = /* GraphQL */ `
  enum CrmRecordKind { contact lead deal company }
  enum CrmCreateKind { lead deal }
  enum CrmLeadStatus { new inProgress converted junk }
  enum CrmDealStage { new inProgress won lost }
  enum CrmActivityKind { chat form note }
  enum CrmFormFieldType { text email phone number date select checkbox textarea }

  "A CRM record as its adapter knows it (the built-in CRM or an external one)."
  type CrmRecordRef {
    kind: CrmRecordKind!
    id: ID!
    title: String
    responsibleUserId: ID
    url: String
    "The CRM adapter holding it: builtin, or an external CRM's id."
    adapter: String!
    "Made from this conversation (I3, Save to CRM, a form) rather than found for a known client (I1)."
    createdFromConversation: Boolean!
  }

  "A chat log (I5), form answers (I6) or a staff note on a record."
  type CrmActivity {
    id: ID!
    kind: CrmActivityKind!
    "For chat logs: the conversation as the client saw it (no internal notes)."
    body: String!
    "Form answers by field name."
    answers: JSON
    conversationId: ID
    authorUserId: ID
    createdAt: DateTime!
    updatedAt: DateTime!
  }
  type CrmActivityPage { nodes: [CrmActivity!]!, nextCursor: String }

  type CrmContact {
    id: ID!
    "The core client (with their messenger identities) this contact is."
    clientId: ID
    name: String
    phones: [String!]!
    emails: [String!]!
    responsibleUserId: ID
    "The conversation it was made from."
    conversationId: ID
    createdAt: DateTime!
    updatedAt: DateTime!
    "Newest first; chat logs of conversations you may not see are left out."
    activities(first: Int = 20, after: String): CrmActivityPage!
  }

  type CrmLead {
    id: ID!
    clientId: ID
    contactId: ID
    title: String!
    name: String
    phones: [String!]!
    emails: [String!]!
    status: CrmLeadStatus!
    "The connector the client wrote from (telegram, webchat…), or manual."
    source: String!
    openChannelId: ID
    responsibleUserId: ID
    conversationId: ID
    createdAt: DateTime!
    updatedAt: DateTime!
    activities(first: Int = 20, after: String): CrmActivityPage!
  }

  type CrmDeal {
    id: ID!
    clientId: ID
    contactId: ID
    contact: CrmContact
    title: String!
    stage: CrmDealStage!
    "A decimal with two places, e.g. 1250.00."
    amount: String
    source: String!
    openChannelId: ID
    responsibleUserId: ID
    conversationId: ID
    createdAt: DateTime!
    updatedAt: DateTime!
    activities(first: Int = 20, after: String): CrmActivityPage!
  }

  type CrmContactPage { nodes: [CrmContact!]!, nextCursor: String }
  type CrmLeadPage { nodes: [CrmLead!]!, nextCursor: String }
  type CrmDealPage { nodes: [CrmDeal!]!, nextCursor: String }

  type CrmFormField {
    name: String!
    label: String!
    type: CrmFormFieldType!
    required: Boolean!
    "For select fields."
    options: [String!]
    maxLength: Int
    "A regular expression the whole answer must match."
    pattern: String
  }

  type CrmFormDefinition { id: ID!, title: String!, fields: [CrmFormField!]!, archived: Boolean!, createdAt: DateTime!, updatedAt: DateTime! }

  "A form sent in a conversation; the link is the client's and valid until expiresAt."
  type CrmFormSend { id: ID!, formId: ID!, conversationId: ID!, url: String!, expiresAt: DateTime!, messageId: ID! }

  input CrmFormFieldInput {
    "A letter, then letters, digits or _. A field named name fills the contact's name; email and phone fields fill theirs."
    name: String!
    label: String!
    type: CrmFormFieldType!
    required: Boolean = false
    options: [String!]
    maxLength: Int
    pattern: String
  }
  input CrmFormInput { title: String!, fields: [CrmFormFieldInput!]! }

  input UpdateCrmDealInput {
    title: String
    stage: CrmDealStage
    "A decimal with up to two places; null clears it."
    amount: String
    contactId: ID
  }
  input UpdateCrmLeadInput { title: String, status: CrmLeadStatus }

  extend type Conversation {
    "The CRM records of this conversation: found for its client (I1) or made from it (I3, I5)."
    crm: [CrmRecordRef!]!
  }

  extend type Query {
    "What the CRM knows the client by: their contacts, leads and deals (I1)."
    crmRecordsOfClient(clientId: ID!): [CrmRecordRef!]!
    "Newest first. Supervisors see all; others the records they are responsible for."
    crmContacts(first: Int = 50, after: String, responsibleUserId: ID, "Part of the name, or a whole phone or e-mail." search: String): CrmContactPage!
    crmLeads(first: Int = 50, after: String, responsibleUserId: ID, status: CrmLeadStatus): CrmLeadPage!
    crmDeals(first: Int = 50, after: String, responsibleUserId: ID, stage: CrmDealStage): CrmDealPage!
    crmContact(id: ID!): CrmContact
    crmLead(id: ID!): CrmLead
    crmDeal(id: ID!): CrmDeal
    crmForms(includeArchived: Boolean = false): [CrmFormDefinition!]!
  }

  extend type Mutation {
    "I3 offer: make a lead (needs the client's name and a phone or e-mail) or a deal from the conversation in its channel's CRM."
    createCrmRecordFromConversation(conversationId: ID!, kind: CrmCreateKind!): CrmRecordRef!
    "I5 Save to CRM: a deal with the client's contact, the chat log attached."
    saveConversationToCrm(conversationId: ID!): CrmRecordRef!
    "I5 on demand: attach the chat log to the conversation's CRM records now."
    saveCrmActivity(conversationId: ID!): [CrmRecordRef!]!
    updateCrmDeal(id: ID!, input: UpdateCrmDealInput!): CrmDeal!
    updateCrmLead(id: ID!, input: UpdateCrmLeadInput!): CrmLead!
    "Give a built-in record to another active user (its responsible person or a supervisor may)."
    setCrmResponsible(kind: CrmRecordKind!, id: ID!, userId: ID!): CrmRecordRef!
    addCrmNote(kind: CrmRecordKind!, id: ID!, body: String!): CrmActivity!
    "Admins (manageOpenChannels)."
    createCrmForm(input: CrmFormInput!): CrmFormDefinition!
    updateCrmForm(id: ID!, input: CrmFormInput!): CrmFormDefinition!
    archiveCrmForm(id: ID!, archived: Boolean = true): CrmFormDefinition!
    "E2: send a form to the client (default: the open channel's form); messengers get a link."
    sendCrmForm(conversationId: ID!, formId: ID): CrmFormSend!
  }
`

export const visitorTypeDefs = /* GraphQL */ `
  type VisitorCrmFormField {
    name: String!
    label: String!
    "text, email, phone, number, date, select, checkbox or textarea"
    type: String!
    required: Boolean!
    options: [String!]
    maxLength: Int
    pattern: String
  }

  "A CRM form sent to the visitor; its link's last part is the token."
  type VisitorCrmForm { title: String!, fields: [VisitorCrmFormField!]!, submitted: Boolean!, expiresAt: DateTime! }

  extend type Query {
    "Null for an unknown link; OL_CRM_FORM_EXPIRED once it expired."
    crmForm(token: String!): VisitorCrmForm
  }

  extend type Mutation {
    "Answers by field name; refused answers are OL_VALIDATION with one error per field (path /<field name>)."
    submitCrmForm(token: String!, answers: JSON!): Boolean!
  }
`
