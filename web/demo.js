// The demo page's behaviour: the query and filters in the URL, the details panel with similar
// films, the copy button.
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

  // The details panel: what the API knows of the film, each field only when present, and then
  // the films like it. fromList: chosen among those, so the focus moves to the new title.
  const show = (h, fromList) => {
    const title = el('h3', 'film-title', h.title);
    const parts = [title];
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
    if (fromList) {
      title.tabIndex = -1;
      title.focus();
    }
    similar(h.id);
  };

  // Up to five films like the one shown, each a button that shows it in turn. An answer for a
  // film no longer shown is dropped; a failure shows nothing, as the details stand without it.
  const similar = async id => {
    const base = ((box && box.getAttribute('endpoint')) || location.origin).replace(/\/+$/, '');
    let res;
    try {
      const r = await fetch(`${base}/api/films/${encodeURIComponent(id)}/similar?per_page=5`);
      if (!r.ok) return;
      res = await r.json();
    } catch (err) {
      return;
    }
    if (detail.dataset.id !== id || !res.hits || !res.hits.length) return;
    const ul = el('ul', 'film-similar');
    for (const s of res.hits) {
      const b = el('button', null, s.year ? `${s.title} (${s.year})` : s.title);
      b.type = 'button';
      b.dataset.id = s.id;
      b.addEventListener('click', () => show(s, true));
      const li = el('li');
      li.append(b);
      ul.append(li);
    }
    detail.append(el('h4', null, 'Similar films'), ul);
  };

  document.addEventListener('film-select', e => {
    // Show the film here instead of following its link; a middle or Ctrl click still opens it.
    e.preventDefault();
    show(e.detail.hit, false);
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
