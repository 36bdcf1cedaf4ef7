import t from 'tap'
import { createSecrets, secretsInvalidCode } from '../src/secrets.ts'

const key = 'test-secret-key-0123456789-abcdefghijklmnop'

t.test('seal and open round-trip', async (t) => {
  const secrets = createSecrets(key)
  const value = { token: '123456:ABC-secret', nested: { a: [1, 2, 3] }, unicode: 'ação ☃' }
  const sealed = secrets.seal(value)
  t.match(sealed, /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'versioned, base64url parts')
  t.notOk(sealed.includes('ABC-secret'), 'no plaintext in the output')
  t.same(secrets.open(sealed), value)
  t.same(createSecrets(key).open(sealed), value, 'same key, another instance opens it')
})

t.test('random IV: sealing twice gives different strings', async (t) => {
  const secrets = createSecrets(key)
  const a = secrets.seal({ token: 'x' })
  const b = secrets.seal({ token: 'x' })
  t.not(a, b)
  t.not(a.split('.')[1], b.split('.')[1], 'different IVs')
})

t.test('tampering is detected with a coded error', async (t) => {
  const secrets = createSecrets(key)
  const sealed = secrets.seal({ token: 'secret-token-value' })
  const [v, iv, tag, data] = sealed.split('.')
  const flip = (s: string): string => {
    const buf = Buffer.from(s, 'base64url')
    buf[0] ^= 0x01
    return buf.toString('base64url')
  }
  t.throws(() => secrets.open([v, iv, tag, flip(data)].join('.')), { code: secretsInvalidCode }, 'ciphertext changed')
  t.throws(() => secrets.open([v, iv, flip(tag), data].join('.')), { code: secretsInvalidCode }, 'tag changed')
  t.throws(() => secrets.open([v, flip(iv), tag, data].join('.')), { code: secretsInvalidCode }, 'iv changed')
  t.throws(() => secrets.open(['v2', iv, tag, data].join('.')), { code: secretsInvalidCode }, 'unknown version')
  t.throws(() => secrets.open('garbage'), { code: secretsInvalidCode }, 'not a sealed value')
  t.throws(() => secrets.open([v, iv, tag].join('.')), { code: secretsInvalidCode }, 'truncated')
})

t.test('another key cannot open it', async (t) => {
  const sealed = createSecrets(key).seal({ token: 'x' })
  t.throws(() => createSecrets(key + '-other').open(sealed), { code: secretsInvalidCode })
})

t.test('a short key is refused', async (t) => {
  t.throws(() => createSecrets('short'), { code: 'OL_CONFIG_INVALID' })
})
