// The demo page's behaviour: the query and filters in the URL, the details panel, the copy button.
// Loaded as a file because the page's Content-Security-Policy forbids inline script.
(() => {
  'use strict';
  const box = document.getElementById('search');
  const detail = document.getElementById('detail');
  const snippet = document.getElementById('snippet');
  const copy = document.getElementById('copy');
  const copied = document.getElementById('copied');

  // Runs before widget.js (both are deferred, in document order), so the widget starts with the
  // URL's search: ?q=love&decade=1970s&company=Kirov+Ballet. Every parameter but q is a filter.
  const params = new URLSearchParams(location.search);
  const q = params.get('q');
  params.delete('q');
  if (box && q) box.setAttribute('initial-query', q);
  if (box && [...params.keys()].length) box.setAttribute('filters', params.toString());

  // Keep the URL in step with the box, so a search can be linked and reloaded.
  const urlOf = (query, filters) => {
    const u = new URL(location.href);
    u.search = '';
    if (query) u.searchParams.set('q', query);
    for (const f of Object.keys(filters || {}).sort()) for (const v of filters[f]) u.searchParams.append(f, v);
    return u.href;
  };
  document.addEventListener('film-results', e => {
    const next = urlOf(e.detail.query, e.detail.filters);
    if (next !== location.href) history.replaceState(null, '', next);
  });

  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  };
  const webURL = u => {
    try { return /^https?:$/.test(new URL(u).protocol) ? u : null; } catch (e) { return null; }
  };

  // The details panel: what the API knows of the film, each field only when present.
  document.addEventListener('film-select', e => {
    // Show the film here instead of following its link; a middle or Ctrl click still opens it.
    e.preventDefault();
    const h = e.detail.hit;
    const parts = [el('h3', 'film-title', h.title)];
    const meta = [String(h.year), h.country].filter(Boolean);
    parts.push(el('p', 'film-meta', meta.join(' · ')));
    const dl = el('dl', 'film-fields');
    const field = (name, value) => {
      if (!value || (Array.isArray(value) && !value.length)) return;
      dl.append(el('dt', null, name), el('dd', null, Array.isArray(value) ? value.join(', ') : value));
    };
    field('Original title', h.original_title);
    field('Director', h.director);
    field('Cast', h.cast);
    field('Genres', h.genres);
    field('Companies', h.companies);
    if (dl.firstChild) parts.push(dl);
    if (h.description) parts.push(el('p', 'film-desc', h.description));
    if (h.facts && h.facts.length) {
      const ul = el('ul', 'film-facts');
      for (const f of h.facts) ul.append(el('li', null, f));
      parts.push(el('h4', null, 'Facts'), ul);
    }
    const src = h.source_url && webURL(h.source_url);
    if (src) {
      const a = el('a', 'film-source', 'Source: ' + new URL(src).hostname);
      a.href = src;
      a.rel = 'noopener noreferrer';
      const p = el('p', null);
      p.append(a);
      parts.push(p);
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
