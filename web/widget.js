/*! <film-search>: an embeddable film search box. No dependencies.
 *
 *   <script src="https://search.example/widget.js" defer></script>
 *   <film-search></film-search>
 *
 * Attributes: endpoint (API base URL; default: where this script came from), placeholder,
 * page-size (1..50), facets ("decade,company"), autofocus, result-url ("/films/{id}"),
 * initial-query. Events: film-select {detail: {hit, href}} (cancelable: cancel it to stay on the
 * page), film-results {detail: {query, total}}. Theme with --fs-* custom properties on the element.
 *
 * Safety: response text is only ever inserted as text nodes; the one element built from response
 * data is <mark>, split out of the API's highlight strings by marked() below.
 */
(() => {
  'use strict';
  if (!window.customElements || customElements.get('film-search')) return;

  // Resolved at load time: document.currentScript is null once the script has run.
  const script = document.currentScript;
  let origin = location.origin;
  try { if (script && script.src) origin = new URL(script.src, location.href).origin; } catch (e) { /* keep the page's */ }

  const DEBOUNCE_MS = 120;
  const FACET_LABELS = { decade: 'Decade', company: 'Company', year: 'Year' };
  const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

  // Decodes the entities an HTML escaper emits (&amp; &lt; &gt; &quot; &#39; &#34; and other
  // numeric ones) in one pass, so "&amp;lt;" becomes the text "&lt;", never "<". The result only
  // ever goes into text nodes.
  const decode = s => s.replace(/&(?:(amp|lt|gt|quot|apos)|#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6}));/g, (m, name, dec, hex) => {
    if (name) return ENTITIES[name];
    const cp = dec ? parseInt(dec, 10) : parseInt(hex, 16);
    return cp > 0 && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff) ? String.fromCodePoint(cp) : '\ufffd';
  });

  // marked turns an API highlight ("escaped text with <mark>…</mark>") into text nodes and <mark>
  // elements. Anything other than exactly <mark> and </mark> stays text, so markup in the data can
  // never become an element.
  const marked = (html, plain) => {
    const frag = document.createDocumentFragment();
    if (typeof html !== 'string') {
      frag.append(plain == null ? '' : String(plain));
      return frag;
    }
    let inMark = false;
    for (const piece of html.split(/(<mark>|<\/mark>)/)) {
      if (piece === '<mark>') { inMark = true; continue; }
      if (piece === '</mark>') { inMark = false; continue; }
      if (!piece) continue;
      const text = document.createTextNode(decode(piece));
      if (inMark) {
        const m = document.createElement('mark');
        m.append(text);
        frag.append(m);
      } else {
        frag.append(text);
      }
    }
    return frag;
  };

  const el = (tag, attrs, ...kids) => {
    const e = document.createElement(tag);
    for (const k in attrs || {}) {
      const v = attrs[k];
      if (v == null || v === false) continue;
      if (k === 'text') e.textContent = v;
      else if (k === 'class') e.className = v;
      else e.setAttribute(k, v === true ? '' : v);
    }
    e.append(...kids);
    return e;
  };

  const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

  const clip = (s, n) => {
    s = String(s || '');
    if (s.length <= n) return s;
    const cut = s.lastIndexOf(' ', n);
    return s.slice(0, cut > n / 2 ? cut : n) + '…';
  };

  const CSS = `
:host{display:block;--_a:var(--fs-accent,#8a1c3b);--_bg:var(--fs-bg,#fff);--_fg:var(--fs-fg,#1d1d1f);
--_mu:var(--fs-muted,#5f6368);--_bd:var(--fs-border,#d6d6db);--_r:var(--fs-radius,10px);
--_hl:var(--fs-mark,#ffe9a8);--_act:var(--fs-active,#f6eef1);--_focus:var(--fs-focus,var(--_a));
font:var(--fs-font,15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif);color:var(--_fg)}
:host([hidden]),[hidden]{display:none!important}
*{box-sizing:border-box}
.box{background:var(--_bg);border:1px solid var(--_bd);border-radius:var(--_r);padding:12px}
.bar{position:relative;display:flex;align-items:center}
.bar svg{position:absolute;left:12px;width:18px;height:18px;fill:none;stroke:var(--_mu);stroke-width:2;pointer-events:none}
input{flex:1;width:100%;min-width:0;font:inherit;font-size:17px;color:inherit;background:var(--_bg);
border:1.5px solid var(--_bd);border-radius:calc(var(--_r) - 2px);padding:10px 40px 10px 40px;-webkit-appearance:none;appearance:none}
input::-webkit-search-cancel-button{display:none}
input:focus{outline:none;border-color:var(--_focus);box-shadow:0 0 0 3px color-mix(in srgb,var(--_focus) 25%,transparent)}
button{font:inherit;color:inherit;cursor:pointer}
:focus-visible{outline:2px solid var(--_focus);outline-offset:2px}
input:focus-visible{outline:none}
.clear{position:absolute;right:6px;border:0;background:none;width:32px;height:32px;border-radius:50%;font-size:20px;line-height:1;color:var(--_mu)}
.clear:hover{background:var(--_act)}
.row{display:flex;flex-wrap:wrap;align-items:baseline;justify-content:space-between;gap:4px 12px;margin:10px 2px 4px;color:var(--_mu);font-size:13px}
.note{margin:6px 2px;font-size:14px}
.note b{font-weight:600;font-style:italic}
.facets{display:flex;flex-direction:column;gap:6px;margin:8px 0 4px}
.group{display:flex;flex-wrap:wrap;gap:6px;align-items:center}
.group>span{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--_mu);min-width:70px}
.chip{border:1px solid var(--_bd);background:var(--_bg);border-radius:999px;padding:3px 10px;font-size:13px;line-height:1.5}
.chip:hover{border-color:var(--_a)}
.chip[aria-pressed=true]{background:var(--_a);border-color:var(--_a);color:#fff}
.chip i{font-style:normal;opacity:.7;margin-left:5px;font-variant-numeric:tabular-nums}
ul{list-style:none;margin:4px 0 0;padding:0}
ul[aria-busy=true]{opacity:.6;transition:opacity .2s .15s}
li{padding:10px;border-radius:calc(var(--_r) - 4px);cursor:pointer;border:1.5px solid transparent}
li+li{margin-top:2px}
li:hover{background:var(--_act)}
li[aria-selected=true]{background:var(--_act);border-color:var(--_a)}
.t{font-weight:600;font-size:16px}
.m{color:var(--_mu);font-size:13px;margin-top:1px}
.s{margin:4px 0 0;font-size:14px;overflow-wrap:anywhere}
mark{background:var(--_hl);color:inherit;border-radius:2px;padding:0 1px}
.msg{padding:18px 10px;text-align:center;color:var(--_mu)}
.msg.err{color:#a3261a}
.more{display:block;margin:10px auto 2px;border:1px solid var(--_bd);background:var(--_bg);border-radius:999px;padding:6px 18px}
.more:hover{border-color:var(--_a);color:var(--_a)}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:480px){.box{padding:8px;border-radius:0;border-left:0;border-right:0}
.group>span{min-width:0;width:100%}li{padding:10px 6px}.t{font-size:15px}}
@media (prefers-reduced-motion:reduce){ul[aria-busy=true]{transition:none}}
`;

  let instances = 0;

  class FilmSearch extends HTMLElement {
    static get observedAttributes() { return ['placeholder', 'initial-query']; }

    constructor() {
      super();
      this._n = ++instances;
      this._seq = 0;              // the number of the newest request; older answers are dropped
      this._ctrl = null;          // AbortController of the request in flight
      this._timer = 0;
      this._filters = {};         // facet -> Set of values
      this._hits = [];
      this._page = 1;
      this._active = -1;
      this._typed = false;
      this._last = null;          // the last response rendered
      this._state = '';           // '', 'error', 'offline'
      this._onOnline = () => { if (this._state) this.search(); };

      const root = this.attachShadow({ mode: 'open' });
      try {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
        root.adoptedStyleSheets = [sheet]; // works under a style-src CSP without 'unsafe-inline'
      } catch (e) {
        root.append(el('style', { text: CSS }));
      }

      const id = s => `fs${this._n}-${s}`;
      this._id = id;
      const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
      svg.setAttribute('viewBox', '0 0 24 24');
      svg.setAttribute('aria-hidden', 'true');
      const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
      path.setAttribute('d', 'M10.5 18a7.5 7.5 0 1 1 0-15 7.5 7.5 0 0 1 0 15zM16 16l5 5');
      svg.append(path);

      this._input = el('input', {
        type: 'search', role: 'combobox', 'aria-autocomplete': 'list', 'aria-expanded': 'false',
        'aria-controls': id('list'), 'aria-label': 'Search films', autocomplete: 'off',
        autocapitalize: 'off', spellcheck: 'false', enterkeyhint: 'search', part: 'input',
      });
      this._clear = el('button', { type: 'button', class: 'clear', 'aria-label': 'Clear search', hidden: true, text: '×' });
      this._status = el('span', { role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });
      this._took = el('span', { 'aria-hidden': 'true' });
      this._note = el('p', { class: 'note', hidden: true });
      this._facets = el('div', { class: 'facets' });
      this._list = el('ul', { id: id('list'), role: 'listbox', 'aria-label': 'Results', part: 'results' });
      this._msg = el('div', { class: 'msg', hidden: true });
      this._more = el('button', { type: 'button', class: 'more', hidden: true, text: 'More results' });

      root.append(el('div', { class: 'box', part: 'box' },
        el('div', { class: 'bar' }, svg, this._input, this._clear),
        el('div', { class: 'row' }, this._status, this._took),
        this._note, this._facets, this._list, this._msg, this._more));

      this._input.addEventListener('input', () => { this._typed = true; this._schedule(); });
      this._input.addEventListener('keydown', e => this._key(e));
      this._clear.addEventListener('click', () => { this.clear(); this._input.focus(); });
      this._more.addEventListener('click', () => this.more());
      this._list.addEventListener('click', e => {
        const li = e.target.closest && e.target.closest('li[role=option]');
        if (li) this.select(Number(li.dataset.i));
      });
      this._facets.addEventListener('click', e => {
        const b = e.target.closest && e.target.closest('button.chip');
        if (b) this.toggle(b.dataset.f, b.dataset.v);
      });
    }

    connectedCallback() {
      this._input.placeholder = this.getAttribute('placeholder') || 'Search films…';
      window.addEventListener('online', this._onOnline);
      if (!this._started) {
        this._started = true;
        const q = this.getAttribute('initial-query');
        if (q) this._input.value = q;
        this.search();
        if (this.hasAttribute('autofocus')) this._input.focus({ preventScroll: true });
      }
    }

    disconnectedCallback() {
      window.removeEventListener('online', this._onOnline);
      clearTimeout(this._timer);
      if (this._ctrl) this._ctrl.abort();
    }

    attributeChangedCallback(name, old, val) {
      if (name === 'placeholder') this._input.placeholder = val || 'Search films…';
      // A query set by the page wins until the user has typed.
      if (name === 'initial-query' && this._started && !this._typed) this.query = val || '';
    }

    get endpoint() { return (this.getAttribute('endpoint') || origin).replace(/\/+$/, ''); }
    get pageSize() {
      const n = parseInt(this.getAttribute('page-size'), 10);
      return n >= 1 && n <= 50 ? n : 10;
    }
    get facetNames() {
      const f = this.getAttribute('facets');
      return (f == null ? 'decade,company' : f).split(',').map(s => s.trim()).filter(s => FACET_LABELS[s]);
    }
    get query() { return this._input.value; }
    set query(q) { this._input.value = q; this._sync(); this.search(); }

    clear() {
      this._input.value = '';
      this.search();
    }

    toggle(facet, value) {
      const set = this._filters[facet] || (this._filters[facet] = new Set());
      if (set.has(value)) set.delete(value); else set.add(value);
      this.search();
    }

    _schedule() {
      this._sync();
      clearTimeout(this._timer);
      this._timer = setTimeout(() => this.search(), DEBOUNCE_MS);
    }

    _sync() {
      this._clear.hidden = !this._input.value;
    }

    _url(page) {
      const u = new URL(this.endpoint + '/api/search', location.href);
      const p = u.searchParams;
      p.set('q', this._input.value.trim());
      for (const f in this._filters) for (const v of this._filters[f]) p.append(f, v);
      p.set('page', page);
      p.set('per_page', this.pageSize);
      return u;
    }

    // search runs the query from page 1 now; more() appends the next page.
    search() { clearTimeout(this._timer); this._sync(); return this._fetch(1); }
    more() { return this._last && this._page < this._last.pages ? this._fetch(this._page + 1) : Promise.resolve(); }

    async _fetch(page) {
      if (this._ctrl) this._ctrl.abort();
      const ctrl = this._ctrl = new AbortController();
      const seq = ++this._seq;
      this._list.setAttribute('aria-busy', 'true');
      this._more.disabled = true;
      let res, body;
      try {
        res = await fetch(this._url(page), { signal: ctrl.signal, headers: { Accept: 'application/json' }, credentials: 'omit' });
        body = await res.json().catch(() => null);
      } catch (e) {
        if (seq !== this._seq || e.name === 'AbortError') return;
        return this._fail(navigator.onLine === false ? 'offline' : 'error',
          navigator.onLine === false ? 'You are offline. Results will come back when you reconnect.'
            : 'Could not reach the search service.');
      }
      if (seq !== this._seq) return; // a newer request was started: never render a stale answer
      this._ctrl = null;
      if (!res.ok || !body || !Array.isArray(body.hits)) {
        const msg = body && body.error && body.error.message;
        return this._fail('error', res.status === 429 ? 'Too many searches; try again in a moment.'
          : 'Search failed' + (msg ? ': ' + msg : '.'));
      }
      this._render(body, page > 1);
    }

    _fail(state, text) {
      this._state = state;
      this._list.removeAttribute('aria-busy');
      this._more.disabled = false;
      this._hits = [];
      this._list.replaceChildren();
      this._setActive(-1);
      this._input.setAttribute('aria-expanded', 'false');
      this._more.hidden = true;
      this._note.hidden = true;
      this._msg.className = 'msg err';
      this._msg.textContent = text;
      this._msg.hidden = false;
      this._status.textContent = text;
      this._took.textContent = '';
    }

    _render(r, append) {
      this._state = '';
      this._last = r;
      this._page = r.page || 1;
      this._list.removeAttribute('aria-busy');
      this._more.disabled = false;
      if (!append) {
        this._hits = [];
        this._list.replaceChildren();
        this._setActive(-1);
      }
      const start = this._hits.length;
      r.hits.forEach((h, k) => this._list.append(this._item(h, start + k)));
      this._hits.push(...r.hits);

      const total = r.total || 0;
      this._status.textContent = plural(total, 'result', 'results');
      this._took.textContent = typeof r.took_ms === 'number' ? `${r.took_ms < 1 ? '<1' : Math.round(r.took_ms)} ms` : '';
      this._input.setAttribute('aria-expanded', String(this._hits.length > 0));
      this._more.hidden = !(this._page < (r.pages || 0));

      this._note.replaceChildren();
      if (r.corrections && r.corrections.length && r.corrected_query) {
        this._note.append('Showing results for ', el('b', { text: r.corrected_query }));
      } else if (r.relaxed && total) {
        this._note.append('No film matches every word; showing the closest.');
      }
      this._note.hidden = !this._note.firstChild;

      this._msg.className = 'msg';
      this._msg.hidden = total > 0;
      const q = this._input.value.trim();
      this._msg.textContent = q ? `No films match “${q}”.` : 'No films match these filters.';

      if (!append) this._renderFacets(r.facets || {});
      this.dispatchEvent(new CustomEvent('film-results', { bubbles: true, composed: true, detail: { query: q, total } }));
    }

    _item(h, i) {
      const hl = h.highlights || {};
      const meta = [h.year, ...(h.companies || [])].filter(Boolean).join(' · ');
      const snip = hl.description || hl.facts;
      return el('li', { id: this._id('o' + i), role: 'option', 'aria-selected': 'false', 'data-i': i, part: 'result' },
        el('div', { class: 't' }, marked(hl.title, h.title)),
        el('div', { class: 'm', text: meta }),
        el('p', { class: 's' }, marked(snip, clip(h.description, 180))));
    }

    _renderFacets(facets) {
      const groups = [];
      for (const name of this.facetNames) {
        const chosen = this._filters[name] || new Set();
        const values = ((facets[name] && facets[name].values) || []).slice();
        // Keep a chosen value visible even if the API stopped counting it, so it can be unticked.
        for (const v of chosen) if (!values.some(x => x.value === v)) values.push({ value: v, count: 0 });
        if (!values.length) continue;
        if (name !== 'company') values.sort((a, b) => String(a.value).localeCompare(String(b.value)));
        const g = el('div', { class: 'group', role: 'group', 'aria-label': FACET_LABELS[name] },
          el('span', { text: FACET_LABELS[name] }));
        for (const v of values) {
          const on = chosen.has(String(v.value));
          g.append(el('button', {
            type: 'button', class: 'chip', 'aria-pressed': String(on), 'data-f': name, 'data-v': String(v.value),
            'aria-label': `${v.value}, ${plural(v.count, 'film', 'films')}`,
          }, String(v.value), el('i', { text: String(v.count) })));
        }
        groups.push(g);
      }
      // Keep keyboard focus on the same chip across the re-render.
      const f = this.shadowRoot.activeElement;
      const key = f && f.classList.contains('chip') ? f.dataset.f + '\n' + f.dataset.v : '';
      this._facets.replaceChildren(...groups);
      if (key) for (const b of this._facets.querySelectorAll('button.chip')) if (b.dataset.f + '\n' + b.dataset.v === key) b.focus();
    }

    _setActive(i) {
      const old = this._list.querySelector('[aria-selected=true]');
      if (old) old.setAttribute('aria-selected', 'false');
      this._active = i;
      const li = i >= 0 ? this._list.children[i] : null;
      if (li) {
        li.setAttribute('aria-selected', 'true');
        this._input.setAttribute('aria-activedescendant', li.id);
        if (li.scrollIntoView) li.scrollIntoView({ block: 'nearest' });
      } else {
        this._input.removeAttribute('aria-activedescendant');
      }
    }

    _key(e) {
      const n = this._hits.length;
      switch (e.key) {
        case 'ArrowDown':
          if (!n) return;
          this._setActive(this._active < n - 1 ? this._active + 1 : 0);
          break;
        case 'ArrowUp':
          if (!n) return;
          this._setActive(this._active > 0 ? this._active - 1 : n - 1);
          break;
        case 'Home': case 'End':
          if (!n || !e.ctrlKey) return;
          this._setActive(e.key === 'Home' ? 0 : n - 1);
          break;
        case 'Enter':
          if (this._active >= 0) this.select(this._active);
          else this.search();
          break;
        case 'Escape':
          if (this._input.value) this.clear();
          else if (Object.values(this._filters).some(s => s.size)) { this._filters = {}; this.search(); }
          else return;
          break;
        default:
          return;
      }
      e.preventDefault();
    }

    // select announces the i-th hit with a film-select event and, when the page gave a
    // result-url template, goes there unless a listener cancelled the event.
    select(i) {
      const hit = this._hits[i];
      if (!hit) return;
      this._setActive(i);
      const tpl = this.getAttribute('result-url');
      const href = tpl ? tpl.replace(/\{id\}/g, encodeURIComponent(hit.id)) : null;
      const ok = this.dispatchEvent(new CustomEvent('film-select', {
        bubbles: true, composed: true, cancelable: true, detail: { hit, href },
      }));
      if (ok && href) location.assign(href);
    }
  }

  customElements.define('film-search', FilmSearch);
})();
