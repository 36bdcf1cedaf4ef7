// The `webchat` connector: "sending" is writing to the visitor's transcript and pushing to their
// subscription; the outbox hands over only public messages, so internal notes never get here.
import { DeliveryError, type ChannelConnector, type OutboundDelivery } from '@openline/sdk'
import { settingsSchema } from './settings.ts'
import { connectorId, newWidgetKey, visitorIdOf } from './visitors.ts'
import { changeMessage, writeMessage } from './transcript.ts'
import { pushToVisitor } from './push.ts'
import { buttonsOf } from './buttons.ts'
import { crmFormTokenOf } from './formToken.ts'

const isHttpUrl = (value: string | null): value is string => value !== null && /^https?:\/\/[^\s]+$/i.test(value) && value.length <= 2000

function recipientOf (delivery: Pick<OutboundDelivery, 'externalUserId'>): string {
  const visitorId = visitorIdOf(delivery.externalUserId)
  if (visitorId === null) throw new DeliveryError(`${delivery.externalUserId} is not a web-chat visitor`, { retryable: false, undeliverable: true })
  return visitorId
}

export const webchatConnector: ChannelConnector<typeof settingsSchema> = {
  id: connectorId,
  title: 'Web chat',
  settingsSchema,
  capabilities: { typing: true, edits: true, deletes: true, attachments: true, buttons: true },

  // The widget key is public (it is in the page): random, so keys cannot be enumerated.
  async connect ({ externalAccountId }) {
    return { externalAccountId: externalAccountId ?? newWidgetKey() }
  },

  async send (delivery, ctx) {
    const visitorId = recipientOf(delivery)
    const written = await writeMessage(ctx, delivery.connection.id, {
      visitorId,
      conversationId: delivery.conversationId,
      messageId: delivery.messageId,
      fromVisitor: false,
      text: delivery.body,
      attachments: delivery.attachments,
      buttons: buttonsOf(delivery.meta),
      crmFormToken: crmFormTokenOf(delivery.meta),
      senderName: delivery.senderName,
      senderAvatarUrl: isHttpUrl(delivery.senderAvatarUrl) ? delivery.senderAvatarUrl : null
    })
    if (written === null) throw new DeliveryError('the visitor no longer exists', { retryable: false, undeliverable: true })
    // Pushed on retries too: an earlier attempt may have stopped between the write and the push.
    await pushToVisitor(ctx, visitorId, 'messageAdded', written.message)
    return { externalMessageId: `w${written.message.id}` }
  },

  async edit (delivery, ctx) {
    const visitorId = recipientOf(delivery)
    const message = await changeMessage(ctx, delivery.messageId, { text: delivery.body })
    if (message !== null) await pushToVisitor(ctx, visitorId, 'messageChanged', message)
  },

  async remove (delivery, ctx) {
    const visitorId = recipientOf(delivery)
    const message = await changeMessage(ctx, delivery.messageId, 'deleted')
    if (message !== null) await pushToVisitor(ctx, visitorId, 'messageChanged', message)
  },

  async typing ({ externalUserId }, ctx) {
    const visitorId = visitorIdOf(externalUserId)
    if (visitorId !== null) await pushToVisitor(ctx, visitorId, 'agentTyping')
  }
}
