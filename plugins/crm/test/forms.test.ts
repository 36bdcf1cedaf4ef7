// E2/I6 CRM forms: admins define them (checked when saved); an agent sends one (a link button; the
// link in the text for messengers); the page over HTTP refuses altered (404) and expired (410) links;
// answers of the wrong type, missing or oversized are field errors with nothing stored; good answers
// land on the CRM record, complete a waiting lead, recognise the person later and leave staff a note;
// automatic sending per channel; the widget's visitor API path.
import t from 'tap'
import { until } from '@openline/testing'
import { signToken } from '../src/index.ts'
import { code, conversationCrm, delivered, fieldPaths, formSecret, messagesOf, ok, startScene, untilCrm, vetoFormNotes, type Staff } from './helpers.ts'

const scene = await startScene()
t.teardown(() => scene.close())
const { admin, h } = scene

const agent = await h.createAgent({ name: 'Form Agent' }) as Staff
const backOffice = await h.createAgent({ name: 'Back Office' }) as Staff
const queue = { strategy: 'crm-fixture-first', members: [{ userId: agent.id }], checkAvailability: false }

const formMutation = 'mutation($i: CrmFormInput!) { createCrmForm(input: $i) { id title archived fields { name label type required options maxLength pattern } } }'
const contactForm = {
  title: 'Contact <details>',
  fields: [
    { name: 'name', label: 'Your <b>name</b>', type: 'text', required: true, maxLength: 60 },
    { name: 'phone', label: 'Phone', type: 'phone', required: true },
    { name: 'email', label: 'E-mail', type: 'email' },
    { name: 'units', label: 'Units', type: 'number' },
    { name: 'when', label: 'Preferred date', type: 'date' },
    { name: 'plan', label: 'Plan', type: 'select', options: ['Basic', 'Pro'] },
    { name: 'terms', label: 'I accept the terms', type: 'checkbox', required: true },
    { name: 'notes', label: 'Notes', type: 'textarea', maxLength: 200 },
    { name: 'code', label: 'Customer code', type: 'text', pattern: '[A-Z]{2}-\\d{3}' }
  ]
}
const form = ok(await admin.query(formMutation, { i: contactForm })).createCrmForm

const post = async (url: string, values: Record<string, string>): Promise<{ status: number, html: string }> => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(values).toString() })
  return { status: res.status, html: await res.text() }
}

async function assigned (channel: Awaited<ReturnType<typeof scene.channel>>, userId: string, client: { name?: string, phone?: string, email?: string } = {}): Promise<{ conversationId: string, clientId: string }> {
  const c = await channel.say(userId, 'hello', client)
  await until('assigned', async () => (await conversationCrm(admin, c.conversationId)).assigneeId, a => a === agent.id)
  return c
}

const sendForm = async (conversationId: string, formId?: string): Promise<{ id: string, url: string, expiresAt: string, messageId: string }> =>
  ok(await agent.query('mutation($c: ID!, $f: ID) { sendCrmForm(conversationId: $c, formId: $f) { id url expiresAt messageId formId } }', { c: conversationId, f: formId })).sendCrmForm

const good = { name: 'Marta Nowak', phone: '+48 601 202 303', email: 'Marta@Example.pl', units: '12', when: '2030-05-17', plan: 'Pro', terms: 'on', notes: 'Call\r\nafter 5', code: 'PL-123' }

t.test('definitions are checked when saved', async (t) => {
  t.same(form.fields.map((f: { name: string }) => f.name), contactForm.fields.map(f => f.name))
  const bad = await admin.query(formMutation, {
    i: {
      title: ' ',
      fields: [
        { name: 'dup', label: 'A', type: 'text' },
        { name: 'dup', label: 'B', type: 'text' },
        { name: '9lives', label: 'C', type: 'text' },
        { name: 'pick', label: 'D', type: 'select' },
        { name: 'n', label: 'E', type: 'number', maxLength: 5 },
        { name: 'p', label: 'F', type: 'text', pattern: '(' },
        { name: 'o', label: 'G', type: 'text', options: ['x'] }
      ]
    }
  })
  t.equal(code(bad), 'OL_VALIDATION')
  t.same(fieldPaths(bad), ['/fields/1/name', '/fields/2/name', '/fields/3/options', '/fields/4/maxLength', '/fields/5/pattern', '/fields/6/options', '/title'])
  const other = ok(await admin.query(formMutation, { i: { title: 'Old', fields: [{ name: 'x', label: 'X', type: 'text' }] } })).createCrmForm
  const renamed = ok(await admin.query('mutation($id: ID!) { updateCrmForm(id: $id, input: { title: "Older", fields: [{ name: "y", label: "Y", type: textarea }] }) { title fields { name type } } }', { id: other.id })).updateCrmForm
  t.same(renamed, { title: 'Older', fields: [{ name: 'y', type: 'textarea' }] })
  ok(await admin.query('mutation($id: ID!) { archiveCrmForm(id: $id) { archived } }', { id: other.id }))
  const listed = ok(await agent.query('query { crmForms { id } }')).crmForms.map((f: { id: string }) => f.id)
  t.ok(listed.includes(form.id))
  t.notOk(listed.includes(other.id), 'archived forms are not offered')
  t.equal(code(await admin.query('mutation($id: ID!) { updateCrmForm(id: $id, input: { title: "Z", fields: [{ name: "z", label: "Z", type: text }] }) { id } }', { id: '987654' })), 'OL_NOT_FOUND')
})

t.test('sending, the page, tampering, expiry, refused answers (nothing stored), then good answers', async (t) => {
  const channel = await scene.channel('Forms', { queue, crm: { unknownClient: 'lead' } })
  const c = await assigned(channel, 'form-client', { name: 'M.' })
  ok(await agent.query('mutation($c: ID!) { sendMessage(conversationId: $c, body: "Hi! Let me get your details") { id } }', { c: c.conversationId }))
  const sent = await sendForm(c.conversationId, form.id)
  t.match(sent.url, new RegExp(`^${h.url}/plugins/crm/forms/`))
  const message = await until('delivered to the client', async () => delivered.find(d => d.externalUserId === 'form-client' && d.body.includes(sent.url)), d => d !== undefined)
  t.same(message?.meta.buttons, [{ text: 'Fill in the form', url: sent.url }], 'a link button; the text carries the link too')
  t.same(message?.meta.crm, { formSendId: sent.id, formToken: sent.url.split('/').at(-1) }, 'and the token, for clients that draw the form themselves')

  const page = await fetch(sent.url)
  t.equal(page.status, 200)
  t.match(page.headers.get('content-security-policy'), /default-src 'none'/)
  t.equal(page.headers.get('referrer-policy'), 'no-referrer')
  const html = await page.text()
  t.match(html, /Your &lt;b&gt;name&lt;\/b&gt;/, 'labels are escaped')
  t.match(html, /<title>Contact &lt;details&gt;<\/title>/)
  t.notMatch(html, /<script/i)
  t.match(html, /<input type="tel" id="f-phone" name="phone"/)
  t.match(html, /<option value="Pro">Pro<\/option>/)

  // Altered or made-up links are unknown.
  const token = sent.url.split('/').at(-1) as string
  const [sendId, expires, signature] = token.split('.')
  const flipped = signature[0] === 'A' ? 'B' + signature.slice(1) : 'A' + signature.slice(1)
  for (const altered of [`${sendId}.${expires}.${flipped}`, `${sendId}.${Number(expires) + 3600}.${signature}`, `${Number(sendId) + 1}.${expires}.${signature}`, 'nonsense']) {
    t.equal((await fetch(`${h.url}/plugins/crm/forms/${altered}`)).status, 404, `404 for ${altered.slice(0, 30)}`)
    t.equal((await post(`${h.url}/plugins/crm/forms/${altered}`, good)).status, 404)
  }
  // A genuine link whose time is up.
  const expired = signToken(formSecret, { sendId, conversationId: c.conversationId, formId: form.id, expiresAt: Math.floor(Date.now() / 1000) - 60 })
  t.equal((await fetch(`${h.url}/plugins/crm/forms/${expired}`)).status, 410)
  t.equal((await post(`${h.url}/plugins/crm/forms/${expired}`, good)).status, 410)

  // Refused answers: every bad field marked, the values kept, nothing stored.
  const refused = await post(sent.url, { name: '', phone: 'call me', email: 'nope', units: 'twelve', when: '2030-02-30', plan: 'Gold', notes: 'x'.repeat(201), code: 'pl-1' })
  t.equal(refused.status, 400)
  for (const [field, message] of [['name', 'required'], ['phone', 'does not have the expected format|not a phone number'], ['email', 'not an e-mail address'], ['units', 'not a number'], ['when', 'not a date'], ['plan', 'not one of the options'], ['terms', 'required'], ['notes', 'at most 200 characters'], ['code', 'does not have the expected format']]) {
    t.match(refused.html, new RegExp(`<p class="error" id="f-${field}-error">(${message})`), `${field}: ${message}`)
  }
  t.match(refused.html, /aria-invalid="true"/)
  t.match(refused.html, /value="nope"/, 'what was typed is shown again')
  const tooLong = await post(sent.url, { ...good, name: 'N'.repeat(61) })
  t.equal(tooLong.status, 400)
  t.match(tooLong.html, /id="f-name-error">at most 60 characters/)
  const extra = await post(sent.url, { ...good, admin: 'yes' })
  t.equal(extra.status, 400, 'a field the form does not have')
  t.equal((await fetch(sent.url)).status, 200, 'the link still works: nothing was stored')
  t.notOk((await messagesOf(admin, c.conversationId)).some(m => m.body.includes('filled in the form')), 'no note for staff')
  t.same((await conversationCrm(admin, c.conversationId)).crm, [], 'no lead yet: the client gave no contact data')

  // A failure late in the transaction (another plugin refuses the staff note) stores nothing either.
  vetoFormNotes.on = true
  const vetoed = await post(sent.url, good)
  vetoFormNotes.on = false
  t.equal(vetoed.status, 409)
  t.match(vetoed.html, /could not be saved/)
  t.equal((await fetch(sent.url)).status, 200, 'the link still works')
  t.same((await conversationCrm(admin, c.conversationId)).crm, [], 'no lead, no contact')
  t.same(ok(await admin.query('query { crmLeads(first: 200) { nodes { name } } }')).crmLeads.nodes.filter((l: { name: string }) => l.name === 'Marta Nowak'), [])

  // Good answers: stored on a lead made from them (name + phone now known), the agent responsible (I6).
  const accepted = await post(sent.url, good)
  t.equal(accepted.status, 200)
  t.match(accepted.html, /Your answers were received/)
  const refs = await untilCrm(admin, c.conversationId, 'the lead', r => r.length > 0)
  t.match(refs, [{ kind: 'lead', createdFromConversation: true, responsibleUserId: agent.id }])
  const lead = ok(await admin.query('query($id: ID!) { crmLead(id: $id) { name phones emails activities { nodes { kind body answers conversationId } } } }', { id: refs[0].id })).crmLead
  t.same({ name: lead.name, phones: lead.phones, emails: lead.emails }, { name: 'Marta Nowak', phones: ['+48601202303'], emails: ['marta@example.pl'] })
  t.equal(lead.activities.nodes.length, 1)
  t.same(lead.activities.nodes[0].answers, { name: 'Marta Nowak', phone: '+48601202303', email: 'marta@example.pl', units: 12, when: '2030-05-17', plan: 'Pro', terms: true, notes: 'Call\nafter 5', code: 'PL-123' })
  t.match(lead.activities.nodes[0], { kind: 'form', conversationId: c.conversationId, body: /Units: 12/ })
  const note = (await messagesOf(admin, c.conversationId)).find(m => m.body.includes('filled in the form'))
  t.match(note, { visibility: 'internal', authorKind: 'system', body: /Preferred date: 2030-05-17/ })
  t.equal((await post(sent.url, good)).status, 409, 'once only')
  t.match(await (await fetch(sent.url)).text(), /Your answers were received/)

  // The phone from the form recognises the same person writing from elsewhere (I1).
  const elsewhere = await scene.channel('Elsewhere', { crm: { unknownClient: 'lead' } })
  const again = await elsewhere.say('other-account', 'hi', { phone: '+48601202303' })
  t.equal(again.clientId, c.clientId)
})

t.test('I6 off: the configured person is responsible; automatic sending before the dialog and after the first answer', async (t) => {
  const before = await scene.channel('Auto before', {
    queue,
    crm: { unknownClient: 'lead' },
    crmForm: { form: 'crm', formSettings: { formId: form.id, show: 'beforeDialog', responsibleIsAcceptingAgent: false, responsibleUserId: backOffice.id, buttonText: 'Open the form' } }
  })
  const c = await before.say('auto-before', 'hello')
  const message = await until('the form goes out at once', async () => delivered.find(d => d.externalUserId === 'auto-before'), d => d !== undefined)
  t.match(message?.body, /^Please fill in the form "Contact <details>":\nhttp/)
  t.match(message?.meta.buttons, [{ text: 'Open the form' }])
  const url = (message?.meta.buttons as { url: string }[])[0].url
  t.equal((await post(url, { ...good, name: 'Ola Nowak', phone: '+48 700 800 900', email: 'ola@example.pl' })).status, 200)
  const refs = await untilCrm(admin, c.conversationId, 'a lead', r => r.length > 0)
  t.match(refs, [{ kind: 'lead', title: 'Ola Nowak (crmtest)', createdFromConversation: true }])
  t.equal(refs[0].responsibleUserId, backOffice.id, 'the person named in the form settings')

  const after = await scene.channel('Auto after', { queue, crm: { unknownClient: 'none' }, crmForm: { form: 'crm', formSettings: { formId: form.id, show: 'afterFirstMessage' } } })
  const d = await after.say('auto-after', 'hello')
  await until('assigned', async () => (await conversationCrm(admin, d.conversationId)).assigneeId, a => a === agent.id)
  t.notOk(delivered.some(x => x.externalUserId === 'auto-after'), 'nothing before the first answer')
  ok(await agent.query('mutation($c: ID!) { sendMessage(conversationId: $c, body: "Good morning!") { id } }', { c: d.conversationId }))
  await until('the form after the answer', async () => delivered.filter(x => x.externalUserId === 'auto-after').map(x => x.body), b => b.length === 2)
  const bodies = delivered.filter(x => x.externalUserId === 'auto-after').map(x => x.body)
  t.equal(bodies[0], 'Good morning!')
  t.match(bodies[1], /Please fill in the form/)
  ok(await agent.query('mutation($c: ID!) { sendMessage(conversationId: $c, body: "Anything else?") { id } }', { c: d.conversationId }))
  await until('the second answer', async () => delivered.filter(x => x.externalUserId === 'auto-after').length, n => n >= 3)
  await until('settled', async () => (await messagesOf(admin, d.conversationId)).length, n => n === 4)
  t.equal((await messagesOf(admin, d.conversationId)).filter(m => m.body.includes('Please fill in the form')).length, 1, 'sent once')

  const wrong = await admin.query('mutation($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "crmForm", values: $v) { id } }', { id: after.id, v: { form: 'crm', formSettings: { show: 'sometimes' } } })
  t.same(fieldPaths(wrong), ['/formSettings/show'])
  t.same(fieldPaths(await admin.query('mutation($c: ID!) { sendCrmForm(conversationId: $c, formId: "424242") { id } }', { c: d.conversationId })), ['/formId'])
})

t.test('the widget path: the visitor API reads and submits the form with the same checks', async (t) => {
  const channel = await scene.channel('Widget form', { queue, crm: { unknownClient: 'none' } })
  const c = await assigned(channel, 'widget-form', { name: 'Vera' })
  const sent = await sendForm(c.conversationId, form.id)
  const token = sent.url.split('/').at(-1) as string
  const visitor = async (query: string, variables: Record<string, unknown>): Promise<any> =>
    (await fetch(`${h.url}/visitor/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) })).json()
  const read = await visitor('query($t: String!) { crmForm(token: $t) { title submitted fields { name type required options } } }', { t: token })
  t.match(read.data.crmForm, { title: 'Contact <details>', submitted: false })
  t.match(read.data.crmForm.fields[5], { name: 'plan', type: 'select', options: ['Basic', 'Pro'] })
  t.equal((await visitor('query($t: String!) { crmForm(token: $t) { title } }', { t: `${token}x` })).data.crmForm, null)

  const submit = 'mutation($t: String!, $a: JSON!) { submitCrmForm(token: $t, answers: $a) }'
  const bad = await visitor(submit, { t: token, a: { name: 'Vera', phone: '+7 999 000 11 22', terms: 'maybe', units: { n: 1 }, notes: 42 } })
  t.equal(bad.errors[0].extensions.code, 'OL_VALIDATION')
  t.same(bad.errors[0].extensions.fields.map((f: { path: string }) => f.path).sort(), ['/notes', '/terms', '/units'])
  const done = await visitor(submit, { t: token, a: { name: 'Vera Ivanova', phone: '+7 999 000 11 22', terms: true, units: 3 } })
  t.same(done, { data: { submitCrmForm: true } })
  t.equal((await visitor('query($t: String!) { crmForm(token: $t) { submitted } }', { t: token })).data.crmForm.submitted, true)
  t.equal((await visitor(submit, { t: token, a: { name: 'Again', phone: '+7 999 000 11 22', terms: true } })).errors[0].extensions.code, 'OL_CONFLICT')
  // With no lead or deal option, the answers still land on a contact made for the person.
  const refs = await untilCrm(admin, c.conversationId, 'a contact', r => r.length > 0)
  t.match(refs, [{ kind: 'contact', title: 'Vera Ivanova', createdFromConversation: true }])
  const contact = ok(await admin.query('query($id: ID!) { crmContact(id: $id) { phones activities { nodes { kind answers } } } }', { id: refs[0].id })).crmContact
  t.same(contact.phones, ['+79990001122'])
  t.match(contact.activities.nodes, [{ kind: 'form', answers: { units: 3, terms: true } }])
})
