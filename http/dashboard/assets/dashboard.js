// Drover dashboard client: live updates over Server-Sent Events, applied by
// morphing the DOM (idiomorph), so focus, scroll and open <details> survive.
// `event: row` replaces one overview row by id; `event: change` fetches the
// page again and morphs <main>; `event: stale` shows the reload notice. Each
// connection starts with one such fetch, for what changed before it opened.
// Everything works without this script: it only makes pages update by themselves.
import { Idiomorph } from './idiomorph-0.8.0.esm.js';

const main = document.getElementById('main');
const url = main && main.dataset.live;
const status = document.getElementById('live-status');
const say = (text) => {
  if (status) status.textContent = text;
};

function fromHtml(text) {
  const t = document.createElement('template');
  t.innerHTML = text.trim();
  return t.content.firstElementChild;
}

let refreshing = null;
let again = false;
async function refreshMain() {
  if (refreshing) {
    again = true;
    return;
  }
  refreshing = (async () => {
    do {
      again = false;
      const res = await fetch(location.href, { headers: { accept: 'text/html' }, credentials: 'same-origin' });
      if (!res.ok) return;
      const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
      const next = doc.getElementById('main');
      if (next) Idiomorph.morph(main, next.innerHTML, { morphStyle: 'innerHTML' });
    } while (again);
  })().finally(() => {
    refreshing = null;
  });
}

if (url && 'EventSource' in window) {
  const es = new EventSource(url);
  // On every (re)connect, read the page once: whatever changed between the server's render (or the last
  // connection) and this subscription sent its event to no one.
  es.addEventListener('open', () => {
    say('live');
    void refreshMain();
  });
  es.addEventListener('error', () => say('reconnecting…'));
  es.addEventListener('row', (e) => {
    const row = fromHtml(e.data);
    const old = row && document.getElementById(row.id);
    if (old) Idiomorph.morph(old, row);
    document.documentElement.dataset.liveUpdates = String(
      Number(document.documentElement.dataset.liveUpdates || 0) + 1,
    );
  });
  es.addEventListener('change', () => {
    void refreshMain();
    document.documentElement.dataset.liveUpdates = String(
      Number(document.documentElement.dataset.liveUpdates || 0) + 1,
    );
  });
  es.addEventListener('stale', () => {
    const n = document.getElementById('stale');
    if (n) n.hidden = false;
  });
}

// Relative times ("12s ago") age on a quiet page: recompute them from their datetime every 15 s, as the server wrote them.
function relative(iso) {
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (Number.isNaN(s)) return null;
  return s < 0
    ? 'just now'
    : s < 60
      ? `${s}s ago`
      : s < 3600
        ? `${Math.floor(s / 60)}m ago`
        : s < 86400
          ? `${Math.floor(s / 3600)}h ago`
          : `${Math.floor(s / 86400)}d ago`;
}
setInterval(() => {
  for (const t of document.querySelectorAll('time[datetime]')) {
    const text = relative(t.getAttribute('datetime'));
    if (text && t.textContent !== text) t.textContent = text;
  }
}, 15000);
