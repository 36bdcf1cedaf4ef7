import { Role, User, Department } from './identity.ts'
import { OpenChannel, ChannelConnection } from './channels.ts'
import { Client, ClientIdentity, Conversation, ConversationParticipant, Message } from './conversations.ts'
import { Timer, Outbox, EventRecord, EventDelivery } from './durability.ts'
import { Upload } from './files.ts'

export { Role, User, Department, OpenChannel, ChannelConnection, Client, ClientIdentity, Conversation, ConversationParticipant, Message, Timer, Outbox, EventRecord, EventDelivery, Upload }

export const coreEntities = [Role, User, Department, OpenChannel, ChannelConnection, Client, ClientIdentity, Conversation, ConversationParticipant, Message, Timer, Outbox, EventRecord, EventDelivery, Upload]
