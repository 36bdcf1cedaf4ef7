// E2 in the widget: a CRM form an agent sends is drawn inside the chat (not only linked). The
// visitor sees inputs by field type, a refused submit marks the field and stores nothing, a good
// one shows the sent state and lands on the CRM record; after a reload the form stays answered.
// Leaves var/artifacts/widget-crm-form.png.
import t from 'tap'
import { artifactPath, launchBrowser, until, type AgentClient, type GraphQLResponse, type TestApp } from '@openline/testing'
import type { Browser, Page } from 'playwright-core'
import { createCrmPlugin } from '@openline/plugin-crm'
import { conversationOf, createWidget, startApp, type Widget } from './helpers.ts'

let h: TestApp
let admin: AgentClient
let widget: Widget
let browser: Browser

function ok<T> (res: GraphQLResponse<T>): T {
  if (res.errors !== undefined || res.data == null) throw new Error(`GraphQL errors: ${JSON.stringify(res.errors)}`)
  return res.data
}

t.before(async () => {
  ({ h, admin } = await startApp({ plugins: [{ definition: createCrmPlugin(), options: { formSecret: 'widget-form-test-secret-0123456789abcdef' } }] }))
  widget = await createWidget(admin, 'Form shop', { allowedOrigins: ['https://shop.example'], title: 'Form shop support' })
  // No lead or deal for unknown visitors: the form's answers alone make the CRM contact.
  ok(await admin.query('mutation($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "crm", values: $v) { id } }', { id: widget.openChannelId, v: { unknownClient: 'none' } }))
  browser = await launchBrowser()
})
t.teardown(async () => { await browser?.close(); await h?.close() })

const contactForm = {
  title: 'Your <b>details</b>',
  fields: [
    { name: 'name', label: 'Name', type: 'text', required: true, maxLength: 60 },
    { name: 'phone', label: 'Phone', type: 'phone', required: true },
    { name: 'email', label: 'E-mail', type: 'email' },
    { name: 'units', label: 'Units', type: 'number' },
    { name: 'when', label: 'Preferred date', type: 'date' },
    { name: 'plan', label: 'Plan', type: 'select', options: ['Basic', 'Pro'] },
    { name: 'terms', label: 'I accept the terms', type: 'checkbox', required: true },
    { name: 'notes', label: 'Notes', type: 'textarea', maxLength: 200 }
  ]
}

const crmOf = async (conversationId: string): Promise<{ kind: string, id: string }[]> =>
  ok(await admin.query<{ conversation: { crm: { kind: string, id: string }[] } }>('query($id: ID!) { conversation(id: $id) { crm { kind id } } }', { id: conversationId })).conversation.crm

const notesOf = async (conversationId: string): Promise<string[]> =>
  ok(await admin.query<{ messages: { nodes: { body: string, visibility: string }[] } }>('query($id: ID!) { messages(conversationId: $id, last: 100) { nodes { body visibility } } }', { id: conversationId }))
    .messages.nodes.filter(m => m.visibility === 'internal').map(m => m.body)

/** What the inline form shows: its inputs (type, required, maxLength), error per field and end state. */
async function formState (page: Page): Promise<{ title: string, inputs: string[], required: number, errors: Record<string, string>, done: string, links: number }> {
  return page.evaluate(() => {
    const root = document.querySelector('[data-openline-widget]')?.shadowRoot
    const form = root?.querySelector('.crm-form')
    if (root == null || form == null) return { title: '', inputs: [], required: 0, errors: {}, done: '', links: -1 }
    const errors: Record<string, string> = {}
    for (const field of Array.from(form.querySelectorAll('.field'))) {
      const error = field.querySelector('.field-error')
      if (error !== null) errors[(field as HTMLElement).dataset.field ?? ''] = error.textContent ?? ''
    }
    return {
      title: form.querySelector('.title')?.textContent ?? '',
      inputs: Array.from(form.querySelectorAll('input, select, textarea')).map((el) => {
        const input = el as HTMLInputElement
        const max = input.getAttribute('maxlength')
        return `${input.name}:${el.tagName === 'INPUT' ? input.type : el.tagName.toLowerCase()}${max === null ? '' : `:${max}`}`
      }),
      required: form.querySelectorAll('.required').length,
      errors,
      done: form.classList.contains('done') ? form.className.replace('crm-form done ', '') + ':' + (form.textContent ?? '') : '',
      links: root.querySelectorAll('.buttons a').length
    }
  })
}

t.test('the visitor fills in a CRM form inside the widget', async (t) => {
  const form = ok(await admin.query<{ createCrmForm: { id: string } }>('mutation($i: CrmFormInput!) { createCrmForm(input: $i) { id } }', { i: contactForm })).createCrmForm
  const context = await browser.newContext()
  const page = await context.newPage()
  const dialogs: string[] = []
  page.on('dialog', (dialog) => { dialogs.push(dialog.message()); void dialog.dismiss() })
  const pageErrors: string[] = []
  page.on('pageerror', (err) => { pageErrors.push(err.message) })

  await page.goto(`${h.url}/plugins/channel-webchat/demo/${widget.key}`)
  await page.locator('button.launcher').click()
  await page.locator('textarea').fill('I would like a quote')
  await page.locator('textarea').press('Enter')
  const [conversationId] = await until('a conversation', () => conversationOf(admin, widget), ids => ids.length === 1)

  const sent = ok(await admin.query<{ sendCrmForm: { url: string } }>('mutation($c: ID!, $f: ID) { sendCrmForm(conversationId: $c, formId: $f) { url } }', { c: conversationId, f: form.id })).sendCrmForm
  const token = sent.url.split('/').at(-1) as string

  // The transcript carries the token, so the widget draws the form (escaped) instead of linking to it.
  const visitorToken = await page.evaluate((key) => localStorage.getItem(`openline:${key}`), widget.key)
  const transcript = await until('the form message in the transcript', async () => {
    const res = await fetch(`${h.url}/visitor/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${visitorToken}` }, body: JSON.stringify({ query: '{ visitorMessages { nodes { fromVisitor crmFormToken } } }' }) })
    return ok(await res.json() as GraphQLResponse<{ visitorMessages: { nodes: { fromVisitor: boolean, crmFormToken: string | null }[] } }>).visitorMessages.nodes
  }, nodes => nodes.length === 2)
  t.same(transcript, [{ fromVisitor: true, crmFormToken: null }, { fromVisitor: false, crmFormToken: token }])
  const shown = await until('the form in the widget', () => formState(page), s => s.inputs.length > 0, 10_000)
  t.equal(shown.title, 'Your <b>details</b>', 'the title is text, not markup')
  t.same(shown.inputs, ['name:text:60', 'phone:tel', 'email:email', 'units:number', 'when:date', 'plan:select', 'terms:checkbox', 'notes:textarea:200'], 'an input per field type, with maximum lengths')
  t.equal(shown.required, 3, 'required fields are marked')
  t.equal(shown.links, 0, 'the link to the form page is not shown as well')

  // A required field left empty: the server's field error shows at that field, nothing is stored.
  const fields = page.locator('.crm-form')
  await fields.locator('[data-field=name] input').fill('Ana Souza')
  await fields.locator('[data-field=terms] input').check()
  await fields.locator('[data-field=plan] select').selectOption('Pro')
  await fields.locator('[data-field=notes] textarea').fill('Call me\nafter 5')
  await fields.locator('button[type=submit]').click()
  const refused = await until('the field error', () => formState(page), s => Object.keys(s.errors).length > 0, 10_000)
  t.same(refused.errors, { phone: 'Required' }, 'the error is at the phone field only')
  t.equal(refused.done, '', 'the form stays open')
  t.equal(await fields.locator('[data-field=name] input').inputValue(), 'Ana Souza', 'answers are kept')
  await fields.locator('[data-field=phone]').scrollIntoViewIfNeeded()
  await page.screenshot({ path: artifactPath('widget-crm-form.png') })
  t.same(await crmOf(conversationId), [], 'no CRM record made')
  t.same(await notesOf(conversationId), [], 'no note for staff')

  // Corrected: sent state, and the answers are on the contact made from them.
  await fields.locator('[data-field=phone] input').fill('+55 11 91234 5678')
  await fields.locator('[data-field=units] input').fill('4')
  await fields.locator('button[type=submit]').click()
  const done = await until('the sent state', () => formState(page), s => s.done !== '', 10_000)
  t.equal(done.done, 'sent:Thank you! Your answers were received.')
  const [contact] = await until('a contact', () => crmOf(conversationId), refs => refs.length > 0)
  t.equal(contact.kind, 'contact')
  const stored = ok(await admin.query<{ crmContact: { name: string, phones: string[], activities: { nodes: { kind: string, answers: unknown }[] } } }>(
    'query($id: ID!) { crmContact(id: $id) { name phones activities { nodes { kind answers } } } }', { id: contact.id })).crmContact
  t.same({ name: stored.name, phones: stored.phones }, { name: 'Ana Souza', phones: ['+5511912345678'] })
  t.same(stored.activities.nodes, [{ kind: 'form', answers: { name: 'Ana Souza', phone: '+5511912345678', units: 4, plan: 'Pro', terms: true, notes: 'Call me\nafter 5' } }])

  // After a reload the form is read again: answered, so only the sent state shows.
  await page.reload()
  await page.locator('button.launcher').click()
  const again = await until('the form after a reload', () => formState(page), s => s.done !== '', 10_000)
  t.equal(again.done, 'sent:Thank you! Your answers were received.')
  t.same(again.inputs, [], 'no inputs any more')

  t.same(dialogs, [], 'no script ran')
  t.same(pageErrors, [])
  await context.close()
})
