// A small emoji palette: the common ones agents reach for. Typing any emoji works too.
const emoji = [
  '😀', '😃', '😊', '🙂', '😉', '😍', '🤗', '🤔', '😅', '😂', '😢', '😮', '😎', '🙏', '👍', '👎',
  '👌', '👋', '👏', '💪', '🙌', '✅', '❌', '⚠️', '❗', '❓', '⭐', '🔥', '🎉', '🎁', '❤️', '💙',
  '📦', '🚚', '💳', '🧾', '📞', '📧', '⏰', '📅'
]

export function EmojiPicker (props: { onPick: (emoji: string) => void }) {
  return (
    <div class='emoji-picker' role='listbox' aria-label='Emoji'>
      {emoji.map(e => <button key={e} type='button' role='option' class='emoji' onClick={() => props.onPick(e)}>{e}</button>)}
    </div>
  )
}
