// Comparing what the client typed with titles and keywords: case, accents and punctuation do not
// matter ("Preço" = "preco", "Dostawa!" = "dostawa"). Pure.

// Letters NFD does not split into a base letter and a mark.
const plainLetters: Record<string, string> = { ł: 'l', đ: 'd', ø: 'o', æ: 'ae', œ: 'oe', ß: 'ss', ı: 'i' }

/** Lower case, no accents, words separated by single spaces, nothing else. */
export function normalize (text: string): string {
  return text
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/[łđøæœßı]/g, c => plainLetters[c])
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
}

/** Whether `phrase` occurs in `text` as whole words (both normalized first). */
export function containsPhrase (text: string, phrase: string): boolean {
  const p = normalize(phrase)
  return p !== '' && ` ${normalize(text)} `.includes(` ${p} `)
}
