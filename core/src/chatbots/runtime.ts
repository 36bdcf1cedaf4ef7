// G1–G4: the open channel's chatbot takes first contact (ingest opens the conversation in `bot`
// status, see migration 0005), answers, and hands over to the queue when it decides, when the client
// sends "0", or when the configured time is up. Plugins provide bots; the core runs them.
import { coreEvents, type BotActions, type BotChannel, type Chatbot, type EventPayload, type MessageButton, type Tx } from '@openline/sdk'
import type { Core } from '../core.ts'
import type { SubscriberEntry } from '../events.ts'
import { conversationColumns, toConversationRecord, messageColumns, toMessageRecord } from '../records.ts'
import { topics } from '../topics.ts'
import { readChatbotRules, type ChatbotRules } from './rules.ts'

export const botHandOverJob = 'core:botHandOver'
export const botFinishedReason = 'botFinished'

const qualified = conversationColumns.split(', ').map(c => 'c.' + c).join(', ')

interface BotScene {
  conversation: ReturnType<typeof toConversationRecord>
  botId: string | null
  channelBot: string | null
  settings: Record<string, unknown>
  rules: ChatbotRules
  channel: BotChannel
}

export interface ChatbotRuntime {
  subscribers: SubscriberEntry[]
  handOverTimer: (data: Record<string, unknown>, tx: Tx) => Promise<void>
}

export function createChatbotRuntime (core: Core): ChatbotRuntime {
  async function load (tx: Tx, conversationId: string): Promise<BotScene | null> {
    const [row] = await tx.query<Record<string, any>>(
      `select ${qualified}, c.bot_id, oc.chatbot as channel_bot, oc.chatbot_settings, oc.settings->'chatbotRules' as rules, cn.connector
         from conversations c join open_channels oc on oc.id = c.open_channel_id left join channel_connections cn on cn.id = c.connection_id
        where c.id = ? for update of c`, [conversationId])
    if (row === undefined) return null
    const connector = row.connector ?? null
    const channel = { connector, buttons: connector !== null && core.registry.connectors.get(connector)?.capabilities.buttons === true }
    return { conversation: toConversationRecord(row), botId: row.bot_id, channelBot: row.channel_bot, settings: row.chatbot_settings ?? {}, rules: readChatbotRules(row.rules), channel }
  }

  async function handOver (tx: Tx, scene: BotScene, reason: string): Promise<void> {
    const [row] = await tx.query<Record<string, any>>(
      `update conversations c set status = 'queued', queued_at = now(), updated_at = now(), bot_id = ${scene.rules.stayUntil === 'end' ? 'c.bot_id' : 'null'}
        where c.id = ? and c.status = 'bot' returning ${qualified}`, [scene.conversation.id])
    if (row === undefined) return
    await tx.cancelTimers(`bot:${scene.conversation.id}`)
    await core.sendMessage({ conversationId: scene.conversation.id, body: `The chatbot handed the conversation to the queue: ${reason}`, authorKind: 'system', visibility: 'internal', meta: { action: 'botHandOver', reason } }, tx)
    const queued = toConversationRecord(row)
    tx.emit(coreEvents.conversationStatusChanged, { conversationId: queued.id, openChannelId: queued.openChannelId, from: 'bot', to: 'queued' })
    tx.afterCommit(async () => {
      await core.publish(topics.conversations, { conversationUpdated: queued })
      core.routing.requestRoute(queued.openChannelId)
    })
  }

  function actions (tx: Tx, scene: BotScene): BotActions {
    return {
      async reply (text, options) {
        const buttons: MessageButton[] | undefined = options?.buttons?.map(b => ({ text: b.title, data: b.id }))
        await core.sendMessage({ conversationId: scene.conversation.id, body: text, authorKind: 'bot', meta: buttons === undefined ? {} : { buttons } }, tx)
      },
      handOver: (reason) => handOver(tx, scene, reason ?? 'the chatbot passed it on'),
      async finish () {
        await tx.cancelTimers(`bot:${scene.conversation.id}`)
        await core.routing.close(null, scene.conversation.id, botFinishedReason, tx)
      }
    }
  }

  const botOf = (id: string | null): Chatbot | undefined => id === null ? undefined : core.registry.chatbots.get(id)

  async function opened (payload: EventPayload<typeof coreEvents.conversationOpened>, tx: Tx): Promise<void> {
    const scene = await load(tx, payload.conversationId)
    if (scene === null || scene.conversation.status !== 'bot') return
    const bot = botOf(scene.botId)
    // The bot was unplugged or changed since: nobody would ever answer in `bot` status.
    if (bot === undefined || scene.botId !== scene.channelBot) return handOver(tx, scene, 'the chatbot is not available')
    if (scene.rules.handOverAfterMinutes > 0) {
      await tx.schedule({ job: botHandOverJob, key: `bot:${scene.conversation.id}`, dueAt: new Date(Date.now() + scene.rules.handOverAfterMinutes * 60_000), conversationId: scene.conversation.id, data: { conversationId: scene.conversation.id } })
    }
    await bot.onStart?.({ conversation: scene.conversation, settings: scene.settings, tx, channel: scene.channel }, actions(tx, scene))
  }

  async function received (payload: EventPayload<typeof coreEvents.messageReceived>, tx: Tx): Promise<void> {
    const scene = await load(tx, payload.conversationId)
    if (scene === null || scene.botId === null || scene.conversation.status === 'closed') return
    // The greeting and the first message come together: `opened` speaks first.
    if (payload.conversationOpened) return
    const [row] = await tx.query<Record<string, any>>(`select ${messageColumns} from messages where id = ?`, [payload.messageId])
    if (row === undefined) return
    const message = toMessageRecord(row)
    if (scene.conversation.status === 'bot' && scene.rules.handOverOnZero && message.body.trim() === '0') return handOver(tx, scene, 'the client asked for a person')
    const bot = botOf(scene.botId)
    if (bot === undefined) return scene.conversation.status === 'bot' ? handOver(tx, scene, 'the chatbot is not available') : undefined
    await bot.onMessage({ conversation: scene.conversation, message, settings: scene.settings, tx, channel: scene.channel, handedOver: scene.conversation.status !== 'bot' }, actions(tx, scene))
  }

  return {
    subscribers: [
      { key: 'core:chatbots:opened', eventName: coreEvents.conversationOpened.name, run: opened },
      { key: 'core:chatbots:received', eventName: coreEvents.messageReceived.name, run: received }
    ],
    async handOverTimer (data, tx) {
      const scene = await load(tx, String(data.conversationId))
      if (scene !== null && scene.conversation.status === 'bot') await handOver(tx, scene, 'the time with the chatbot is up')
    }
  }
}
