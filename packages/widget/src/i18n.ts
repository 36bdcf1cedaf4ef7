// The widget's own strings in the five shipped languages; the open channel's language picks them.

const en = {
  open: 'Chat with us',
  close: 'Close chat',
  placeholder: 'Write a message…',
  send: 'Send',
  attach: 'Attach a file',
  emoji: 'Emoji',
  typing: 'Typing…',
  deleted: 'Message deleted',
  edited: 'edited',
  failed: 'Not sent. Tap to try again.',
  sending: 'Sending…',
  tooLarge: 'The file is too large.',
  fileType: 'This type of file is not accepted.',
  rateLimited: 'Too many messages at once. Please wait a moment.',
  error: 'Something went wrong. Please try again.',
  empty: 'Ask us anything: we usually reply within minutes.',
  file: 'File'
}

export type Strings = typeof en

const languages: Record<string, Strings> = {
  en,
  'pt-BR': {
    open: 'Fale conosco',
    close: 'Fechar o chat',
    placeholder: 'Escreva uma mensagem…',
    send: 'Enviar',
    attach: 'Anexar um arquivo',
    emoji: 'Emoji',
    typing: 'Digitando…',
    deleted: 'Mensagem apagada',
    edited: 'editada',
    failed: 'Não enviada. Toque para tentar de novo.',
    sending: 'Enviando…',
    tooLarge: 'O arquivo é grande demais.',
    fileType: 'Este tipo de arquivo não é aceito.',
    rateLimited: 'Muitas mensagens de uma vez. Aguarde um momento.',
    error: 'Algo deu errado. Tente de novo.',
    empty: 'Pergunte o que quiser: costumamos responder em minutos.',
    file: 'Arquivo'
  },
  es: {
    open: 'Chatea con nosotros',
    close: 'Cerrar el chat',
    placeholder: 'Escribe un mensaje…',
    send: 'Enviar',
    attach: 'Adjuntar un archivo',
    emoji: 'Emoji',
    typing: 'Escribiendo…',
    deleted: 'Mensaje eliminado',
    edited: 'editado',
    failed: 'No enviado. Toca para reintentar.',
    sending: 'Enviando…',
    tooLarge: 'El archivo es demasiado grande.',
    fileType: 'Este tipo de archivo no se acepta.',
    rateLimited: 'Demasiados mensajes a la vez. Espera un momento.',
    error: 'Algo salió mal. Inténtalo de nuevo.',
    empty: 'Pregúntanos lo que quieras: solemos responder en minutos.',
    file: 'Archivo'
  },
  pl: {
    open: 'Napisz do nas',
    close: 'Zamknij czat',
    placeholder: 'Napisz wiadomość…',
    send: 'Wyślij',
    attach: 'Dołącz plik',
    emoji: 'Emoji',
    typing: 'Pisze…',
    deleted: 'Wiadomość usunięta',
    edited: 'edytowano',
    failed: 'Nie wysłano. Dotknij, aby ponowić.',
    sending: 'Wysyłanie…',
    tooLarge: 'Plik jest za duży.',
    fileType: 'Ten typ pliku nie jest akceptowany.',
    rateLimited: 'Zbyt wiele wiadomości naraz. Poczekaj chwilę.',
    error: 'Coś poszło nie tak. Spróbuj ponownie.',
    empty: 'Zapytaj o cokolwiek: zwykle odpowiadamy w kilka minut.',
    file: 'Plik'
  },
  ru: {
    open: 'Напишите нам',
    close: 'Закрыть чат',
    placeholder: 'Напишите сообщение…',
    send: 'Отправить',
    attach: 'Прикрепить файл',
    emoji: 'Эмодзи',
    typing: 'Печатает…',
    deleted: 'Сообщение удалено',
    edited: 'изменено',
    failed: 'Не отправлено. Нажмите, чтобы повторить.',
    sending: 'Отправка…',
    tooLarge: 'Файл слишком большой.',
    fileType: 'Такой тип файла не принимается.',
    rateLimited: 'Слишком много сообщений сразу. Подождите немного.',
    error: 'Что-то пошло не так. Попробуйте ещё раз.',
    empty: 'Спросите о чём угодно: обычно мы отвечаем за несколько минут.',
    file: 'Файл'
  }
}

/** Exact tag, else the same primary language (`pt` → pt-BR), else English. */
export function stringsFor (language: string): Strings {
  const exact = Object.keys(languages).find(l => l.toLowerCase() === language.toLowerCase())
  const primary = language.split(/[-_]/)[0].toLowerCase()
  const close = Object.keys(languages).find(l => l.split('-')[0].toLowerCase() === primary)
  return languages[exact ?? close ?? 'en']
}
