// The demo page's behaviour: ?q= into the widget, the details panel, the copy button.
// Loaded as a file because the page's Content-Security-Policy forbids inline script.
(() => {
  'use strict';
  const box = document.getElementById('search');
  const detail = document.getElementById('detail');
  const snippet = document.getElementById('snippet');
  const copy = document.getElementById('copy');
  const copied = document.getElementById('copied');

  // Runs before widget.js (both are deferred, in document order), so the widget starts with it.
  const q = new URLSearchParams(location.search).get('q');
  if (box && q) box.setAttribute('initial-query', q);

  // Keep ?q= in step with the box so a search can be linked.
  let lastQ = q || '';
  document.addEventListener('film-results', e => {
    const next = e.detail.query;
    if (next === lastQ) return;
    lastQ = next;
    const u = new URL(location.href);
    if (next) u.searchParams.set('q', next); else u.searchParams.delete('q');
    history.replaceState(null, '', u);
  });

  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  };

  document.addEventListener('film-select', e => {
    const h = e.detail.hit;
    const parts = [];
    const title = el('h3', 'film-title', h.title);
    parts.push(title);
    const meta = [String(h.year), h.decade].concat(h.companies || []).filter(Boolean);
    parts.push(el('p', 'film-meta', meta.join(' · ')));
    if (h.description) parts.push(el('p', 'film-desc', h.description));
    if (h.facts && h.facts.length) {
      const ul = el('ul', 'film-facts');
      for (const f of h.facts) ul.append(el('li', null, f));
      parts.push(el('h4', null, 'Facts'), ul);
    }
    detail.replaceChildren(...parts);
    detail.dataset.id = h.id;
    // On a narrow screen the panel sits below the results: bring it into view.
    if (window.matchMedia('(max-width: 860px)').matches) detail.scrollIntoView({ behavior: 'smooth', block: 'start' });
  });

  if (snippet) {
    const code = snippet.querySelector('code') || snippet;
    code.textContent = code.textContent.replace(/src="[^"]*\/widget\.js"/, `src="${location.origin}/widget.js"`);
  }

  if (copy) copy.addEventListener('click', async () => {
    const text = snippet.textContent;
    try {
      await navigator.clipboard.writeText(text);
      copied.textContent = 'Copied';
    } catch (err) {
      // No clipboard permission (plain http, old browser): select it for Ctrl+C instead.
      const r = document.createRange();
      r.selectNodeContents(snippet);
      const s = getSelection();
      s.removeAllRanges();
      s.addRange(r);
      copied.textContent = 'Selected: press Ctrl+C';
    }
    setTimeout(() => { copied.textContent = ''; }, 2500);
  });
})();
