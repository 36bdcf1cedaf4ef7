// Folding and patterns behind search, and how saved messages are kept literal: pure functions.
import t from 'tap'
import { fold, searchPatterns, literalTemplate } from '../src/index.ts'

t.test('fold: lower case without accents, letters Unicode does not decompose too', async (t) => {
  t.equal(fold('João CONCEIÇÃO'), 'joao conceicao')
  t.equal(fold('Łódź Źdźbło'), 'lodz zdzblo')
  t.equal(fold('Straße Øre Æble'), 'strasse ore aeble')
  t.equal(fold('Ёлка'), 'елка', 'Cyrillic keeps its letters, drops the diaeresis')
  t.equal(fold('İstanbul'), 'istanbul')
})

t.test('search patterns: one per word, like wildcards taken literally', async (t) => {
  t.same(searchPatterns('  Prazo   ENTREGA '), ['%prazo%', '%entrega%'])
  t.same(searchPatterns('100% off_now \\'), ['%100\\%%', '%off\\_now%', '%\\\\%'])
  t.same(searchPatterns('   '), [], 'blank: no condition')
  t.equal(searchPatterns('a b c d e f g h i j').length, 8, 'at most 8 words')
})

t.test('literal templates escape every opening of a variable', async (t) => {
  t.equal(literalTemplate('Order {{42}} and {{{raw}}}'), 'Order \\{{42}} and \\{{{raw}}}')
  t.equal(literalTemplate('no braces }} here'), 'no braces }} here')
})
