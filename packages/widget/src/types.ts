// Shapes of the visitor API (plugins/channel-webchat) as the widget reads them.

export interface WidgetInfo {
  key: string
  title: string
  language: string
  color: string | null
  position: string
  show: boolean
  consent: { text: string, version: string } | null
}

export interface Attachment { kind: string, name: string | null, mimeType: string | null, size: number | null, url: string | null }
export interface Button { text: string, data: string | null, url: string | null }

export interface Message {
  id: string
  fromVisitor: boolean
  clientMessageId: string | null
  text: string
  senderName: string | null
  senderAvatarUrl: string | null
  attachments: Attachment[]
  buttons: Button[]
  /** A CRM form sent in this message, drawn in place when the visitor API has `crmForm`. */
  crmFormToken: string | null
  createdAt: string
  editedAt: string | null
  deleted: boolean
  /** Local only: written here and not confirmed yet (`sending`) or refused (`failed`). */
  state?: 'sending' | 'failed'
}

export type FormFieldType = 'text' | 'email' | 'phone' | 'number' | 'date' | 'select' | 'checkbox' | 'textarea'

export interface FormField { name: string, label: string, type: FormFieldType, required: boolean, options: string[] | null, maxLength: number | null }

/** A CRM form as the CRM plugin's visitor API gives it (absent without that plugin). */
export interface CrmForm { title: string, fields: FormField[], submitted: boolean }

export interface VisitorEvent { kind: string, message: Message | null }

const messageFields = 'id fromVisitor clientMessageId text senderName senderAvatarUrl attachments { kind name mimeType size url } buttons { text data url } crmFormToken createdAt editedAt deleted'

export const queries = {
  widget: 'query($key: String!) { widget(key: $key) { key title language color position show consent { text version } } }',
  startVisit: 'mutation($key: String!, $locale: String) { startVisit(key: $key, locale: $locale) { token visitor { id } } }',
  history: `query($last: Int) { visitorMessages(last: $last) { nodes { ${messageFields} } previousCursor } }`,
  send: `mutation($text: String, $id: String!, $files: [ID!]) { sendVisitorMessage(text: $text, clientMessageId: $id, attachmentIds: $files) { ${messageFields} } }`,
  press: `mutation($id: ID!, $data: String!) { pressButton(messageId: $id, data: $data) { ${messageFields} } }`,
  typing: 'mutation($preview: String) { visitorTyping(preview: $preview) }',
  crmForm: 'query($token: String!) { crmForm(token: $token) { title submitted fields { name label type required options maxLength } } }',
  submitCrmForm: 'mutation($token: String!, $answers: JSON!) { submitCrmForm(token: $token, answers: $answers) }',
  events: `subscription { visitorEvents { kind message { ${messageFields} } } }`
}
