// The widget's styles, applied inside its shadow root only: the host page's CSS cannot reach in,
// and ours cannot leak out. `--accent` comes from the connection's colour.
export const css = `
:host { all: initial; }
* { box-sizing: border-box; }
.root { position: fixed; bottom: 20px; right: 20px; z-index: 2147483000; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328; }
.root.left { right: auto; left: 20px; }
button { font: inherit; cursor: pointer; }
.launcher { width: 56px; height: 56px; border-radius: 50%; border: 0; background: var(--accent); color: #fff; box-shadow: 0 4px 14px rgba(0,0,0,.25); display: flex; align-items: center; justify-content: center; }
svg { display: block; }
.launcher:focus-visible, .panel button:focus-visible { outline: 3px solid #8ab4f8; outline-offset: 2px; }
.panel { position: absolute; bottom: 68px; right: 0; width: 360px; max-width: calc(100vw - 40px); height: 520px; max-height: calc(100vh - 110px); display: flex; flex-direction: column; background: #fff; border-radius: 12px; box-shadow: 0 8px 30px rgba(0,0,0,.25); overflow: hidden; }
.left .panel { right: auto; left: 0; }
.header { display: flex; align-items: center; justify-content: space-between; padding: 12px 14px; background: var(--accent); color: #fff; font-weight: 600; }
.header button { background: none; border: 0; color: inherit; padding: 2px; }
.list { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 8px; background: #f6f7f9; }
.notice { color: #57606a; font-size: 13px; text-align: center; padding: 8px; }
.msg { display: flex; gap: 8px; max-width: 85%; align-items: flex-end; }
.msg.mine { align-self: flex-end; flex-direction: row-reverse; }
.avatar { width: 28px; height: 28px; border-radius: 50%; object-fit: cover; flex: none; }
.bubble { padding: 8px 10px; border-radius: 12px; background: #fff; border: 1px solid #e3e6ea; white-space: pre-wrap; overflow-wrap: anywhere; }
.mine .bubble { background: var(--accent); color: #fff; border-color: transparent; }
.mine .bubble a { color: #fff; }
.sender { font-size: 12px; color: #57606a; margin-bottom: 2px; }
.meta { font-size: 11px; opacity: .7; margin-top: 2px; }
.deleted { font-style: italic; opacity: .7; }
.failed { color: #cf222e; background: none; border: 0; padding: 0; font-size: 12px; text-decoration: underline; }
.files { display: flex; flex-direction: column; gap: 4px; margin-top: 4px; }
.files .file { display: inline-flex; align-items: center; gap: 4px; }
.files img { max-width: 200px; max-height: 160px; border-radius: 6px; display: block; }
.buttons { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 6px; }
.buttons button, .buttons a { border: 1px solid var(--accent); color: var(--accent); background: #fff; border-radius: 16px; padding: 4px 12px; text-decoration: none; font-size: 13px; }
.buttons button:disabled { opacity: .5; cursor: default; }
.typing { font-size: 12px; color: #57606a; padding: 0 14px 6px; min-height: 18px; background: #f6f7f9; }
.error { color: #cf222e; font-size: 12px; padding: 4px 14px; }
.composer { display: flex; align-items: flex-end; gap: 4px; padding: 8px; border-top: 1px solid #e3e6ea; background: #fff; position: relative; }
.composer textarea { flex: 1; resize: none; border: 1px solid #d0d7de; border-radius: 8px; padding: 8px; font: inherit; max-height: 120px; min-height: 38px; }
.icon { background: none; border: 0; padding: 7px 4px; color: #57606a; }
.icon:hover { color: var(--accent); }
.send { background: var(--accent); color: #fff; border: 0; border-radius: 8px; padding: 8px 12px; }
.send:disabled { opacity: .5; cursor: default; }
.emoji { position: absolute; bottom: 56px; left: 8px; right: 8px; display: grid; grid-template-columns: repeat(8, 1fr); gap: 2px; padding: 6px; background: #fff; border: 1px solid #d0d7de; border-radius: 8px; box-shadow: 0 4px 14px rgba(0,0,0,.15); }
.emoji button { background: none; border: 0; font-size: 20px; padding: 4px; border-radius: 4px; }
.emoji button:hover { background: #f0f1f3; }
.hidden { display: none; }
.crm-form { margin-top: 6px; padding: 10px; background: #fff; border: 1px solid #e3e6ea; border-radius: 12px; display: flex; flex-direction: column; gap: 8px; }
.crm-form .title { font-weight: 600; }
.crm-form .field { display: flex; flex-direction: column; gap: 2px; }
.crm-form label { font-size: 13px; color: #57606a; }
.crm-form label.check { display: flex; align-items: flex-start; gap: 6px; color: inherit; }
.crm-form .required { color: #cf222e; }
.crm-form input:not([type=checkbox]), .crm-form select, .crm-form textarea { font: inherit; border: 1px solid #d0d7de; border-radius: 6px; padding: 6px 8px; width: 100%; background: #fff; color: inherit; }
.crm-form textarea { resize: vertical; }
.crm-form .invalid input, .crm-form .invalid select, .crm-form .invalid textarea { border-color: #cf222e; }
.crm-form .field-error { color: #cf222e; font-size: 12px; }
.crm-form .send { align-self: flex-start; }
.crm-form.done { color: #1a7f37; font-size: 13px; }
.crm-form.done.expired, .crm-form.done.already { color: #57606a; }
`
