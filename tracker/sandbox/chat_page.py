"""The chat page that plays a contact's phone: plain HTML and vanilla JS, no external assets."""

from __future__ import annotations

import html
import json

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>WhatsApp sandbox - {phone}</title>
<style>
body {{ font-family: sans-serif; margin: 0; background: #ece5dd; }}
header {{ background: #075e54; color: #fff; padding: .8em; }}
#log {{ padding: 1em; height: calc(100vh - 9em); overflow-y: auto; }}
.msg {{ max-width: 70%; margin: .4em 0; padding: .5em .7em; border-radius: .5em;
        white-space: pre-wrap; overflow-wrap: anywhere; word-break: break-word;
        box-sizing: border-box; }}
.in {{ background: #dcf8c6; margin-left: auto; }}
.out {{ background: #fff; }}
.msg button {{ display: block; margin-top: .3em; width: 100%; }}
form {{ display: flex; padding: .5em; gap: .5em; }}
input {{ flex: 1; padding: .6em; }}
</style></head>
<body>
<header>Phone {phone} &mdash; chatting with the business</header>
<div id="log"></div>
<form id="send"><input id="text" autocomplete="off" placeholder="Type a message">
<button>Send</button></form>
<script>
const phone = {phone_json};
const log = document.getElementById("log");
let shown = "";
function post(body) {{
  body.from = phone;
  return fetch("inbound", {{method: "POST", headers: {{"Content-Type": "application/json"}},
                            body: JSON.stringify(body)}}).then(refresh);
}}
function bubble(m) {{
  const div = document.createElement("div");
  div.className = "msg " + m.direction;
  div.textContent = m.text;
  if (m.media_url) {{
    const link = document.createElement("a");
    link.href = m.media_url.replace("/_sandbox/", "");  // relative, like the other calls
    link.textContent = "open";
    link.target = "_blank";
    div.appendChild(document.createTextNode(" "));
    div.appendChild(link);
  }}
  for (const b of m.buttons) {{
    const btn = document.createElement("button");
    btn.textContent = b.title;
    btn.onclick = () => post({{button: {{id: b.id, title: b.title}}, context_id: m.id}});
    div.appendChild(btn);
  }}
  return div;
}}
function refresh() {{
  return fetch("conversation?phone=" + encodeURIComponent(phone))
    .then(r => r.json()).then(items => {{
      const key = JSON.stringify(items.map(m => m.id));
      if (key === shown) return;
      shown = key;
      log.replaceChildren(...items.map(bubble));
      log.scrollTop = log.scrollHeight;
    }});
}}
document.getElementById("send").onsubmit = e => {{
  e.preventDefault();
  const input = document.getElementById("text");
  if (input.value.trim()) post({{text: input.value}});
  input.value = "";
}};
refresh();
setInterval(refresh, 1500);
</script></body></html>
"""


def render_chat(phone: str) -> str:
    """The chat page for one contact phone number."""
    # json.dumps then html-escape '<' so a crafted number cannot close the script tag.
    phone_json = json.dumps(phone).replace("<", "\\u003c")
    return _PAGE.format(phone=html.escape(phone), phone_json=phone_json)
