/*! <film-search>: an embeddable film search box. No dependencies.
 *
 *   <script src="https://search.example/widget.js" defer></script>
 *   <film-search></film-search>
 *
 * Every attribute, event, --fs-* property and ::part is documented in the README ("Embedding the
 * search box").
 *
 * Safety: response text is only ever inserted as text nodes; the one element built from response
 * data is <mark>, split out of the API's highlight strings by marked() below. Links from the data
 * (source_url) are used only when they are http(s).
 */
(() => {
  'use strict';
  if (!window.customElements || customElements.get('film-search')) return;

  // Resolved at load time: document.currentScript is null once the script has run.
  const script = document.currentScript;
  let origin = location.origin;
  try { if (script && script.src) origin = new URL(script.src, location.href).origin; } catch (e) { /* keep the page's */ }

  const DEBOUNCE_MS = 120;
  const LABELS = { decade: 'Decade', company: 'Company', year: 'Year', genre: 'Genre', genres: 'Genre' };
  const label = f => LABELS[f] || (f.charAt(0).toUpperCase() + f.slice(1)).replace(/[_-]+/g, ' ');
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

  // webURL returns u when it is an absolute http(s) URL, else null: data never becomes a
  // javascript: or data: link.
  const webURL = u => {
    try { return /^https?:$/.test(new URL(u).protocol) ? u : null; } catch (e) { return null; }
  };

  // problem puts a failed answer in words a reader understands; retry says whether trying again
  // can help.
  const problem = (status, body, like) => {
    const e = (body && body.error) || {};
    if (like && status >= 400 && status < 500 && status !== 429) return ['This film is no longer in the collection.', false];
    if (status === 429) return ['Too many searches in a short time. Wait a moment, then retry.', true];
    if (status === 503) return ['The search service is busy. Retry in a moment.', true];
    if (status >= 500) return ['The search service had a problem. Retry, or come back later.', true];
    if (e.code === 'bad_query') return ['That search has too many words. Try fewer.', false];
    if (e.param === 'q') return ['That search is too long. Try fewer words.', false];
    if (status === 404) return ['The search service was not found at this address.', false];
    return ['This search could not be run. Try other words or clear the filters.', false];
  };

  // Colours: light by default, dark under prefers-color-scheme: dark or theme="dark", light always
  // under theme="light". A page's own --fs-* value wins in both.
  const LIGHT = 'color-scheme:light;--_a:var(--fs-accent,#8a1c3b);--_on:var(--fs-on-accent,#fff);--_bg:var(--fs-bg,#fff);' +
    '--_fg:var(--fs-fg,#1d1d1f);--_mu:var(--fs-muted,#5f6368);--_bd:var(--fs-border,#8e8e96);--_hl:var(--fs-mark,#ffe9a8);' +
    '--_hlt:var(--fs-mark-text,inherit);--_act:var(--fs-active,#f6eef1);--_err:var(--fs-error,#a3261a);--_sh:var(--fs-shadow,0 8px 28px rgba(0,0,0,.16))';
  const DARK = 'color-scheme:dark;--_a:var(--fs-accent,#f4a3bb);--_on:var(--fs-on-accent,#2a0d17);--_bg:var(--fs-bg,#1e1d22);' +
    '--_fg:var(--fs-fg,#ecebf0);--_mu:var(--fs-muted,#a9a7b0);--_bd:var(--fs-border,#6d6a75);--_hl:var(--fs-mark,#6a5200);' +
    '--_hlt:var(--fs-mark-text,#fff);--_act:var(--fs-active,#3a2a31);--_err:var(--fs-error,#ff9b8c);--_sh:var(--fs-shadow,0 8px 28px rgba(0,0,0,.6))';

  const CSS = `
:host{display:block;position:relative;${LIGHT};--_r:var(--fs-radius,10px);--_focus:var(--fs-focus,var(--_a));
font:var(--fs-font,15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif);color:var(--_fg)}
:host([theme=dark]){${DARK}}
@media (prefers-color-scheme:dark){:host(:not([theme=light])){${DARK}}}
:host([hidden]),[hidden]{display:none!important}
*{box-sizing:border-box}
.box{background:var(--_bg);color:var(--_fg);border:1px solid var(--_bd);border-radius:var(--_r);padding:12px}
.bar{position:sticky;top:var(--fs-sticky-top,0);z-index:2;background:var(--_bg);display:flex;align-items:center}
.bar svg{position:absolute;left:12px;width:18px;height:18px;fill:none;stroke:var(--_mu);stroke-width:2;pointer-events:none}
input{flex:1;width:100%;min-width:0;font:inherit;font-size:17px;color:inherit;background:var(--_bg);
border:1.5px solid var(--_bd);border-radius:calc(var(--_r) - 2px);padding:10px 38px;-webkit-appearance:none;appearance:none}
input::placeholder{color:var(--_mu);opacity:1}
input::-webkit-search-cancel-button{display:none}
input:focus{outline:none;border-color:var(--_focus);box-shadow:0 0 0 3px color-mix(in srgb,var(--_focus) 30%,transparent)}
button{font:inherit;color:inherit;cursor:pointer}
:focus-visible{outline:2px solid var(--_focus);outline-offset:2px}
input:focus-visible{outline:none}
.clear{position:absolute;right:4px;border:0;background:none;width:34px;height:34px;border-radius:50%;font-size:20px;line-height:1;color:var(--_mu)}
.clear:hover{background:var(--_act)}
.key{position:absolute;right:10px;border:1px solid var(--_bd);border-radius:4px;padding:0 6px;font:12px/1.5 ui-monospace,monospace;color:var(--_mu);pointer-events:none}
input:focus~.key{display:none}
@media (pointer:coarse){.key{display:none}}
.row{display:flex;flex-wrap:wrap;align-items:center;gap:4px 10px;margin:10px 2px 4px;color:var(--_mu);font-size:13px;min-height:19px}
.row>span:last-child{margin-left:auto}
.busy{display:flex;align-items:center;gap:6px}.busy i{width:13px;height:13px;border:2px solid var(--_bd);border-top-color:var(--_a);border-radius:50%;animation:r .7s linear infinite}
@keyframes r{to{transform:rotate(1turn)}}
.note{margin:6px 2px;font-size:14px}
.note b{font-weight:600;font-style:italic}
.facets{display:flex;flex-direction:column;gap:6px;margin:8px 0 4px}
.group{display:flex;flex-wrap:wrap;gap:6px;align-items:center}
.group>span{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--_mu);min-width:70px}
.chip{border:1px solid var(--_bd);background:var(--_bg);border-radius:999px;padding:3px 10px;font-size:13px;line-height:1.5}
.chip:hover{border-color:var(--_a)}
.chip i{font-style:normal;color:var(--_mu);margin-left:2px;font-variant-numeric:tabular-nums}
.chip[aria-pressed=true]{background:var(--_a);border-color:var(--_a);color:var(--_on)}
.chip[aria-pressed=true] i{color:inherit}
.ls{margin:4px 0 0}
.ls[aria-busy=true]{opacity:.6;transition:opacity .2s .15s}
.o{display:block;color:inherit;text-decoration:none;padding:10px;border-radius:calc(var(--_r) - 4px);cursor:pointer;
border:1.5px solid transparent}
.o,.c,.like{scroll-margin:var(--fs-scroll-margin,76px) 0 8px}
.o+.o,.rw+.rw{margin-top:2px}
.o:hover,.rw[aria-selected=true] .o{background:var(--_act)}
.o[aria-selected=true],.cur>.o{background:var(--_act);border-color:var(--_a)}
a.o:hover .t{text-decoration:underline}
.rw{position:relative}
.rw>.c+.c{position:absolute;top:0;right:0}
.rw .t{padding-right:76px}
.sim{margin:8px 8px 0 0;border:1px solid var(--_bd);background:var(--_bg);border-radius:999px;padding:3px 11px;font-size:13px;line-height:1.5;color:var(--_mu);white-space:nowrap}
.sim:hover{border-color:var(--_a);color:var(--_a)}
.cur>.sim{border-color:var(--_a);color:var(--_fg);outline:2px solid var(--_focus);outline-offset:2px}
.like{display:flex;flex-wrap:wrap;align-items:center;gap:6px 12px;margin:10px 2px 0}
.like p{margin:0;font-size:15px;min-width:0;overflow-wrap:anywhere}
.back{padding:4px 14px 4px 12px}
.back::before{content:"";display:inline-block;width:7px;height:7px;border:solid currentColor;border-width:0 0 2px 2px;transform:rotate(45deg);margin:0 7px 1px 2px}
.t{font-weight:600;font-size:16px}
.m{color:var(--_mu);font-size:13px;margin-top:1px}
.s{margin:4px 0 0;font-size:14px;overflow-wrap:anywhere}
mark{background:var(--_hl);color:var(--_hlt);border-radius:2px;padding:0 1px}
.msg{padding:16px 10px;text-align:center;color:var(--_mu)}
.msg p{margin:0 0 8px}
.msg.err p{color:var(--_err)}
.btn,.more{border:1px solid var(--_bd);background:var(--_bg);border-radius:999px;padding:6px 18px}
.btn:hover,.more:hover{border-color:var(--_a);color:var(--_a)}
.more{display:block;margin:10px auto 2px}
.more[aria-disabled=true]{opacity:.6;cursor:progress}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
:host([layout=dropdown]) .box{border:0;padding:0;background:none}
:host([layout=dropdown]) .bar{position:relative}
:host([layout=dropdown]) .panel{position:absolute;left:0;right:0;top:calc(100% + 6px);z-index:1000;background:var(--_bg);
border:1px solid var(--_bd);border-radius:var(--_r);box-shadow:var(--_sh);padding:4px 10px 10px;max-height:var(--fs-max-height,min(70vh,34rem));overflow:auto;overscroll-behavior:contain}
:host([layout=dropdown]) :is(.o,.c,.like){scroll-margin:4px}
@media (max-width:480px){.box{padding:8px}.group>span{min-width:0;width:100%}.o{padding:10px 6px}.sim{margin-right:4px}.t{font-size:15px}}
@media (prefers-reduced-motion:reduce){.busy i{animation:none;border-color:var(--_a)}.ls[aria-busy=true]{transition:none}}
`;

  let instances = 0;

  class FilmSearch extends HTMLElement {
    static get observedAttributes() { return ['placeholder', 'initial-query', 'shortcut']; }

    constructor() {
      super();
      this._n = ++instances;
      this._seq = 0;              // the number of the newest request; older answers are dropped
      this._ctrl = null;          // AbortController of the request in flight
      this._timer = 0;
      this._filters = {};         // facet -> Set of values
      this._rove = {};            // facet -> the value of its chip that holds the group's tab stop
      this._hits = [];
      this._page = 1;
      this._active = -1;
      this._typed = false;
      this._open = false;         // the results are shown
      this._last = null;          // the last response rendered
      this._failed = 0;           // the page of the request that failed, for Retry
      this._col = 0;              // with the similar attribute: 0 the active result, 1 its Similar button
      this._views = [];           // what each Similar button replaced, newest last, for Back
      this._onOnline = () => { if (this._failed) this._fetch(this._failed); };
      this._onKey = e => this._shortcut(e);
      this._onDown = e => { if (this._dropdown && !e.composedPath().includes(this)) this.close(); };

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
      this._key = el('kbd', { class: 'key', 'aria-hidden': 'true', part: 'shortcut', hidden: true, text: '/' });
      this._clear = el('button', { type: 'button', class: 'clear', 'aria-label': 'Clear search', hidden: true, text: '×' });
      this._status = el('span', { role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true', part: 'status' });
      // Seen, not announced: a screen reader hears the count when it comes, not every keystroke.
      this._spinText = document.createTextNode('Searching…');
      this._spin = el('span', { class: 'busy', 'aria-hidden': 'true', part: 'spinner', hidden: true }, el('i'), this._spinText);
      this._took = el('span', { 'aria-hidden': 'true' });
      this._note = el('p', { class: 'note', hidden: true });
      this._facets = el('div', { class: 'facets' });
      this._list = el('div', { id: id('list'), class: 'ls', role: 'listbox', 'aria-label': 'Results', part: 'results', hidden: true });
      this._back = el('button', { type: 'button', class: 'btn back', part: 'back', text: 'Back' });
      this._likeTitle = el('strong');
      this._likeBar = el('div', { class: 'like', hidden: true }, this._back, el('p', { part: 'similar-title' }, 'Films like ', this._likeTitle));
      this._msg = el('div', { class: 'msg', part: 'message', hidden: true });
      this._more = el('button', { type: 'button', class: 'more', part: 'more', hidden: true, text: 'More results' });
      this._panel = el('div', { class: 'panel', part: 'panel', hidden: true }, this._likeBar,
        el('div', { class: 'row' }, this._spin, this._status, this._took),
        this._note, this._facets, this._list, this._msg, this._more);

      root.append(el('div', { class: 'box', part: 'box' },
        el('div', { class: 'bar' }, svg, this._input, this._key, this._clear), this._panel));

      this._input.addEventListener('input', () => { this._typed = true; this._schedule(); this.open(); });
      this._input.addEventListener('focus', () => this.open());
      this._input.addEventListener('click', () => this.open());
      this._input.addEventListener('keydown', e => this._keydown(e));
      this._clear.addEventListener('click', () => { this.clear(); this._input.focus(); });
      this._more.addEventListener('click', () => this.more());
      this._back.addEventListener('click', () => this.back());
      // Escape goes back from anywhere in the panel too (a click leaves focus on Back).
      this._panel.addEventListener('keydown', e => { if (e.key === 'Escape' && this._views.length) { e.preventDefault(); this.back(); } });
      this._list.addEventListener('click', e => {
        const s = e.target.closest && e.target.closest('.sim');
        if (s) return this.similar(Number(s.dataset.i));
        const o = e.target.closest && e.target.closest('.o');
        // A click with a modifier or another button opens a tab or window: the page stays, so
        // nothing is announced.
        if (!o || e.button || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
        if (!this._choose(Number(o.dataset.i))) e.preventDefault();
      });
      this._facets.addEventListener('click', e => {
        const b = e.target.closest && e.target.closest('button.chip');
        if (b) this.toggle(b.dataset.f, b.dataset.v);
      });
      this._facets.addEventListener('keydown', e => this._roving(e));
      // Keyboard focus leaving the dropdown closes it (a click outside is handled on pointerdown).
      root.addEventListener('focusout', e => {
        if (this._dropdown && e.relatedTarget && !root.contains(e.relatedTarget)) this.close();
      });
    }

    connectedCallback() {
      this._input.placeholder = this.getAttribute('placeholder') || 'Search films…';
      this._shortcutHint();
      window.addEventListener('online', this._onOnline);
      document.addEventListener('keydown', this._onKey);
      document.addEventListener('pointerdown', this._onDown, true);
      if (!this._started) {
        this._started = true;
        const q = this.getAttribute('initial-query');
        if (q) this._input.value = q;
        this._filters = {};
        for (const [f, v] of new URLSearchParams(this.getAttribute('filters') || '')) (this._filters[f] || (this._filters[f] = new Set())).add(v);
        // The page asked for a search: show it. Otherwise only the box, until the reader comes.
        if (q || Object.keys(this._filters).length) this.open();
        if (this.hasAttribute('autofocus')) this._input.focus({ preventScroll: true });
      }
    }

    disconnectedCallback() {
      window.removeEventListener('online', this._onOnline);
      document.removeEventListener('keydown', this._onKey);
      document.removeEventListener('pointerdown', this._onDown, true);
      clearTimeout(this._timer);
      if (this._ctrl) this._ctrl.abort();
    }

    attributeChangedCallback(name, old, val) {
      if (name === 'placeholder') this._input.placeholder = val || 'Search films…';
      if (name === 'shortcut') this._shortcutHint();
      // A query set by the page wins until the user has typed.
      if (name === 'initial-query' && this._started && !this._typed) this.query = val || '';
    }

    get endpoint() { return (this.getAttribute('endpoint') || origin).replace(/\/+$/, ''); }
    get pageSize() {
      const n = parseInt(this.getAttribute('page-size'), 10);
      return n >= 1 && n <= 50 ? n : 10;
    }
    get _dropdown() { return this.getAttribute('layout') === 'dropdown'; }
    // With the similar attribute the results are a grid: each row holds the result and its
    // Similar button, since an option may hold no other control.
    get _grid() { return this.hasAttribute('similar'); }
    // _like is the film whose similar films are shown, or null in a search.
    get _like() { const v = this._views; return v.length ? v[v.length - 1].hit : null; }
    get query() { return this._input.value; }
    set query(q) { this._input.value = q; this.open(); this.search(); }
    // filters is the chosen facet values, like {decade: ['1970s']}.
    get filters() {
      const out = {};
      for (const f in this._filters) if (this._filters[f].size) out[f] = [...this._filters[f]];
      return out;
    }

    // open shows the results below the box, searching first if nothing was searched yet.
    open() {
      if (this._open) return;
      this._open = true;
      this._panel.hidden = false;
      this._expanded();
      if (!this._last && !this._ctrl && !this._timer && !this._failed) this.search();
    }

    // close hides the results (the dropdown layout closes on Escape, a click outside or Tab).
    close() {
      if (!this._open) return;
      this._open = false;
      this._panel.hidden = true;
      this._setActive(-1);
      this._expanded();
    }

    clear() {
      this._input.value = '';
      this.search();
    }

    clearFilters() {
      this._filters = {};
      this.search();
    }

    toggle(facet, value) {
      const set = this._filters[facet] || (this._filters[facet] = new Set());
      if (set.has(value)) set.delete(value); else set.add(value);
      this._rove[facet] = value;
      this.search();
    }

    _schedule() {
      this._leave();
      this._sync();
      this._busy(true); // from the keystroke on, not only once the debounced request starts
      clearTimeout(this._timer);
      this._timer = setTimeout(() => this.search(), DEBOUNCE_MS);
    }

    _sync() {
      this._clear.hidden = !this._input.value;
      this._shortcutHint();
    }

    _shortcutHint() {
      this._key.hidden = !this.hasAttribute('shortcut') || !!this._input.value;
      const keys = this.hasAttribute('shortcut') ? (this._dropdown ? '/ Control+K Meta+K' : '/') : null;
      if (keys) this._input.setAttribute('aria-keyshortcuts', keys); else this._input.removeAttribute('aria-keyshortcuts');
    }

    // _shortcut focuses the box on "/" (outside other fields) and, in the dropdown, on Ctrl/Cmd+K,
    // when the page opted in with the shortcut attribute.
    _shortcut(e) {
      if (!this.hasAttribute('shortcut') || e.defaultPrevented || e.isComposing) return;
      const t = e.composedPath()[0];
      const typing = t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
      const slash = e.key === '/' && !typing && !e.ctrlKey && !e.metaKey && !e.altKey;
      const k = this._dropdown && (e.key === 'k' || e.key === 'K') && (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey;
      if (!slash && !k) return;
      e.preventDefault();
      this._input.focus();
      this._input.select();
      this.open();
    }

    _url(page) {
      const like = this._like;
      const u = new URL(this.endpoint + (like ? `/api/films/${encodeURIComponent(like.id)}/similar` : '/api/search'), location.href);
      const p = u.searchParams;
      const q = this._input.value.trim();
      if (!like) {
        p.set('q', q);
        for (const f in this._filters) for (const v of this._filters[f]) p.append(f, v);
        // Browsing without words: an order a reader can follow, not the index's.
        if (!q) p.set('sort', this.getAttribute('browse-sort') || 'title');
      }
      p.set('page', page);
      p.set('per_page', this.pageSize);
      return u;
    }

    // search runs the query from page 1 now; more() appends the next page.
    search() { clearTimeout(this._timer); this._timer = 0; this._leave(); this._sync(); return this._fetch(1); }
    more() {
      if (this._more.getAttribute('aria-disabled') === 'true') return Promise.resolve();
      return this._last && this._page < this._last.pages ? this._fetch(this._page + 1) : Promise.resolve();
    }

    async _fetch(page) {
      if (this._ctrl) this._ctrl.abort();
      const ctrl = this._ctrl = new AbortController();
      const seq = ++this._seq;
      this._asked = page;
      this._busy(true);
      let res, body;
      try {
        res = await fetch(this._url(page), { signal: ctrl.signal, headers: { Accept: 'application/json' }, credentials: 'omit' });
        body = await res.json().catch(() => null);
      } catch (e) {
        if (seq !== this._seq || e.name === 'AbortError') return;
        this._ctrl = null;
        return this._fail(page, navigator.onLine === false ? 'You are offline. Results will come back when you reconnect.'
          : 'Could not reach the search service. Check your connection, then retry.', true);
      }
      if (seq !== this._seq) return; // a newer request was started: never render a stale answer
      this._ctrl = null;
      if (!res.ok || !body || !Array.isArray(body.hits)) {
        const [text, retry] = problem(res.ok ? 500 : res.status, body, this._like);
        return this._fail(page, text, retry);
      }
      this._render(body, page > 1);
    }

    // _busy shows that a request is in flight: a spinner and "Searching…" in place of the old
    // count (the live region empties, so the next count is announced even if it is the same),
    // and the More button kept focusable but inert.
    _busy(on) {
      this._spin.hidden = !on;
      if (on) {
        this._spinText.data = this._like ? 'Finding similar films…' : 'Searching…';
        this._list.setAttribute('aria-busy', 'true');
        this._more.setAttribute('aria-disabled', 'true');
        this._status.textContent = '';
        this._took.textContent = '';
      } else {
        this._list.removeAttribute('aria-busy');
        this._more.removeAttribute('aria-disabled');
      }
    }

    // _fail shows one message, in words, with Retry when trying again can help. The message is
    // an alert, so the live region stays quiet and it is not read twice.
    _fail(page, text, retry) {
      const had = this.shadowRoot.activeElement;
      this._busy(false);
      this._failed = page;
      this._hits = [];
      this._last = null;
      this._list.replaceChildren();
      this._list.hidden = true;
      this._setActive(-1);
      this._more.hidden = true;
      this._note.hidden = true;
      this._facets.replaceChildren();
      this._status.textContent = '';
      this._msg.className = 'msg err';
      const kids = [el('p', { role: 'alert', text })];
      if (retry) {
        const b = el('button', { type: 'button', class: 'btn', part: 'retry', text: 'Retry' });
        b.addEventListener('click', () => { this._input.focus({ preventScroll: true }); this._fetch(this._failed); });
        kids.push(b);
      }
      this._msg.replaceChildren(...kids);
      this._msg.hidden = false;
      this._expanded();
      this._keepFocus(had);
    }

    // _keepFocus moves focus from a control that went away (a chip, More, Retry) back to the box,
    // never leaving it on <body>.
    _keepFocus(had) {
      const now = this.shadowRoot.activeElement;
      if (had && had !== this._input && (!now || now.closest('[hidden]'))) this._input.focus({ preventScroll: true });
    }

    _render(r, append) {
      const had = this.shadowRoot.activeElement;
      this._busy(false);
      this._failed = 0;
      this._last = r;
      this._page = r.page || 1;
      const like = this._like;
      if (!append) {
        this._hits = [];
        this._list.replaceChildren();
        this._setActive(-1);
        const grid = this._grid;
        this._list.setAttribute('role', grid ? 'grid' : 'listbox');
        this._input.setAttribute('aria-haspopup', grid ? 'grid' : 'listbox');
      }
      const start = this._hits.length;
      r.hits.forEach((h, k) => this._list.append(this._item(h, start + k)));
      this._hits.push(...r.hits);
      this._list.hidden = !this._hits.length;

      const total = r.total || 0;
      this._status.textContent = like ? (total ? plural(total, 'similar film', 'similar films') : 'No similar films')
        : total ? plural(total, 'result', 'results') : 'No results';
      this._took.textContent = typeof r.took_ms === 'number' ? `${r.took_ms < 1 ? '<1' : Math.round(r.took_ms)} ms` : '';
      this._more.hidden = !(this._page < (r.pages || 0));

      this._note.replaceChildren();
      // A film's neighbours have no corrections, relaxation or facets.
      if (!like && r.corrections && r.corrections.length && r.corrected_query) {
        this._note.append('Showing results for ', el('b', { text: r.corrected_query }));
      } else if (!like && r.relaxed && total) {
        this._note.append('No film matches every word or phrase; showing the closest.');
      }
      this._note.hidden = !this._note.firstChild;

      const q = this._input.value.trim();
      const filtered = Object.keys(this.filters).length > 0;
      this._msg.className = 'msg';
      this._msg.hidden = total > 0;
      this._msg.replaceChildren();
      if (!total && like) {
        this._msg.append(el('p', { text: `No films like “${like.title}” were found.` }));
      } else if (!total) {
        const text = q ? `No films match “${q}”${filtered ? ' with these filters' : ''}.` : 'No films match these filters.';
        const kids = [el('p', { text })];
        if (filtered) {
          const b = el('button', { type: 'button', class: 'btn', part: 'clear-filters', text: 'Clear filters' });
          b.addEventListener('click', () => { this._input.focus({ preventScroll: true }); this.clearFilters(); });
          kids.push(b);
        }
        this._msg.replaceChildren(...kids);
      }

      if (like) this._facets.replaceChildren();
      else if (!append) this._renderFacets(r.facets || {});
      this._expanded();
      // After "More results": focus stays on the button while there is more, else it moves to
      // the box with the first new result active, never to <body>.
      if (append && had === this._more && this._more.hidden) {
        this._input.focus({ preventScroll: true });
        this._setActive(start);
      }
      this._keepFocus(had);
      if (!like) this.dispatchEvent(new CustomEvent('film-results', { bubbles: true, composed: true, detail: { query: q, total, filters: this.filters } }));
    }

    _expanded() {
      this._input.setAttribute('aria-expanded', String(this._open && this._hits.length > 0));
    }

    // _href is where a result leads: the result-url template, else the film's source_url, else
    // nowhere.
    _href(h) {
      const tpl = this.getAttribute('result-url');
      if (tpl) return tpl.replace(/\{id\}/g, encodeURIComponent(h.id));
      return h.source_url ? webURL(h.source_url) : null;
    }

    _item(h, i) {
      const hl = h.highlights || {};
      const href = this._href(h);
      const meta = [h.year, h.director, (h.genres || []).join(', '), ...(h.companies || [])].filter(Boolean).join(' · ');
      const snip = hl.description || hl.facts;
      const grid = this._grid;
      const o = el(href ? 'a' : 'div', {
        id: grid ? null : this._id('o' + i), role: grid ? null : 'option', 'aria-selected': grid ? null : 'false', class: 'o',
        'data-i': i, part: 'result', href, tabindex: href ? '-1' : null,
      },
      el('div', { class: 't' }, marked(hl.title, h.title)),
      el('div', { class: 'm', text: meta }));
      if (h.cast && h.cast.length) o.append(el('div', { class: 'm', text: 'With ' + h.cast.slice(0, 4).join(', ') }));
      o.append(el('p', { class: 's' }, marked(snip, clip(h.description, 180))));
      if (!grid) return o;
      // Focus stays in the box (aria-activedescendant names a cell), so neither cell is a tab stop.
      return el('div', { role: 'row', class: 'rw', 'aria-selected': 'false' },
        el('div', { role: 'gridcell', class: 'c', id: this._id('o' + i) }, o),
        el('div', { role: 'gridcell', class: 'c', id: this._id('s' + i) }, el('button', {
          type: 'button', class: 'sim', part: 'similar', tabindex: '-1', 'data-i': i, 'aria-label': `Similar to ${h.title}`, text: 'Similar',
        })));
    }

    // _renderFacets shows the facets of the response that the facets attribute names, in its
    // order, as groups of toggle chips. A group is one tab stop; arrows move inside it.
    _renderFacets(facets) {
      const attr = this.getAttribute('facets');
      // By default every facet inline, none in the dropdown (a site header wants results only).
      const names = attr == null ? (this._dropdown ? [] : Object.keys(facets)) : attr.split(',').map(s => s.trim()).filter(Boolean);
      const groups = [];
      for (const name of names) {
        const chosen = this._filters[name] || new Set();
        const values = ((facets[name] && facets[name].values) || []).map(v => ({ value: String(v.value), count: v.count || 0 }));
        // Keep a chosen value visible even if the API stopped counting it, so it can be unticked.
        for (const v of chosen) if (!values.some(x => x.value === v)) values.push({ value: v, count: 0 });
        if (!values.length) continue;
        // Years and decades read best in order; names keep the API's order, by count.
        if (values.every(v => /^\d/.test(v.value))) values.sort((a, b) => a.value.localeCompare(b.value));
        const stop = values.some(v => v.value === this._rove[name]) ? this._rove[name]
          : (values.find(v => chosen.has(v.value)) || values[0]).value;
        const g = el('div', { class: 'group', role: 'toolbar', 'aria-label': label(name) },
          el('span', { 'aria-hidden': 'true', text: label(name) }));
        for (const v of values) {
          g.append(el('button', {
            type: 'button', class: 'chip', part: 'chip', 'aria-pressed': String(chosen.has(v.value)), 'data-f': name, 'data-v': v.value,
            tabindex: v.value === stop ? '0' : '-1',
          }, v.value, ' ', el('i', { text: String(v.count) }), el('span', { class: 'sr', text: v.count === 1 ? ' film' : ' films' })));
        }
        groups.push(g);
      }
      // Keep keyboard focus on the same chip across the re-render.
      const f = this.shadowRoot.activeElement;
      const key = f && f.classList.contains('chip') ? f.dataset.f + '\n' + f.dataset.v : '';
      this._facets.replaceChildren(...groups);
      if (key) {
        const b = [...this._facets.querySelectorAll('button.chip')].find(b => b.dataset.f + '\n' + b.dataset.v === key);
        (b || this._input).focus({ preventScroll: true });
      }
    }

    // _roving moves focus between the chips of one group: arrows, Home and End.
    _roving(e) {
      const b = e.target.closest && e.target.closest('button.chip');
      if (!b) return;
      const chips = [...b.parentNode.querySelectorAll('button.chip')];
      const i = chips.indexOf(b);
      const j = { ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1, Home: 0, End: chips.length - 1 }[e.key];
      if (j == null) return;
      e.preventDefault();
      const next = chips[(j + chips.length) % chips.length];
      for (const c of chips) c.tabIndex = c === next ? 0 : -1;
      this._rove[next.dataset.f] = next.dataset.v;
      next.focus();
    }

    // _setActive makes the i-th result the active one (col 1: its Similar button, in the grid).
    _setActive(i, col = 0) {
      const old = this._list.querySelector('[aria-selected=true]');
      if (old) old.setAttribute('aria-selected', 'false');
      const cur = this._list.querySelector('.cur');
      if (cur) cur.classList.remove('cur');
      this._active = i;
      this._col = col;
      const o = i >= 0 ? this._list.children[i] : null;
      if (o) {
        o.setAttribute('aria-selected', 'true');
        const c = o.classList.contains('rw') ? o.children[col] : o;
        c.classList.add('cur');
        this._input.setAttribute('aria-activedescendant', c.id);
        // The box is sticky (inline) or outside the scrolling popup (dropdown), and options keep
        // a scroll margin, so the box stays in view as the list scrolls.
        if (c.scrollIntoView) c.scrollIntoView({ block: 'nearest' });
      } else {
        this._input.removeAttribute('aria-activedescendant');
      }
    }

    _keydown(e) {
      const n = this._hits.length;
      switch (e.key) {
        case 'ArrowDown':
        case 'ArrowUp':
          if (!this._open) { this.open(); break; }
          if (!n) return;
          this._setActive(e.key === 'ArrowUp' ? (this._active > 0 ? this._active - 1 : n - 1) : (this._active < n - 1 ? this._active + 1 : 0), this._col);
          break;
        case 'ArrowRight': case 'ArrowLeft':
          // In the grid, from the active result to its Similar button and back; else the caret moves.
          if (!this._open || this._active < 0 || !this._list.children[this._active].classList.contains('rw')) return;
          this._setActive(this._active, e.key === 'ArrowRight' ? 1 : 0);
          break;
        case 'Home': case 'End':
          if (!n || !e.ctrlKey) return;
          this._setActive(e.key === 'Home' ? 0 : n - 1);
          break;
        case 'Enter':
          if (this._open && this._active >= 0) { if (this._col) this.similar(this._active); else this.select(this._active); }
          else { this.open(); this.search(); }
          break;
        case 'Escape':
          if (this._open && this._views.length) this.back();
          else if (this._dropdown && this._open) this.close();
          else if (this._input.value) this.clear();
          else if (Object.keys(this.filters).length) this.clearFilters();
          else return;
          break;
        default:
          return;
      }
      e.preventDefault();
    }

    // select activates the i-th result as a click would: a link is followed unless a film-select
    // listener cancels the event; a result without a link only announces itself.
    select(i) {
      const r = this._list.children[i];
      const o = r && (r.classList.contains('o') ? r : r.querySelector('.o'));
      if (!o) return;
      if (o.href) o.click();
      else this._choose(i);
    }

    // _choose marks the i-th hit and fires film-select; it returns false when a listener
    // cancelled it (a single-page site handling the choice itself).
    _choose(i) {
      const hit = this._hits[i];
      if (!hit) return true;
      this._setActive(i);
      const ok = this.dispatchEvent(new CustomEvent('film-select', {
        bubbles: true, composed: true, cancelable: true, detail: { hit, href: this._href(hit) },
      }));
      if (this._dropdown) this.close();
      return ok;
    }

    // similar shows the films like the i-th result in place of the results, unless a film-similar
    // listener cancels it. What it replaces is kept, nodes and all, so back() restores it as it
    // was: results, active result, scroll and focus.
    similar(i) {
      const hit = this._hits[i];
      if (!hit || !this.dispatchEvent(new CustomEvent('film-similar', { bubbles: true, composed: true, cancelable: true, detail: { hit } }))) return Promise.resolve();
      const had = this.shadowRoot.activeElement;
      const row = this._list.children[i];
      this._views.push({
        hit, i, had, top: row ? row.getBoundingClientRect().top : 0, scroll: this._panel.scrollTop,
        hits: this._hits, last: this._last, page: this._page, active: this._active, col: this._col,
        list: [...this._list.childNodes], facets: [...this._facets.childNodes], note: [...this._note.childNodes], noted: this._note.hidden,
        status: this._status.textContent, took: this._took.textContent, more: this._more.hidden,
        // New words were on their way (not a next page): search them on Back.
        stale: !!this._timer || (!!this._ctrl && this._asked === 1),
      });
      clearTimeout(this._timer);
      this._timer = 0;
      this._hits = [];
      this._last = null;
      this._list.replaceChildren();
      this._setActive(-1);
      this._facets.replaceChildren();
      this._note.hidden = this._more.hidden = this._msg.hidden = true;
      this._list.hidden = true;
      this._showLike();
      this._panel.scrollTop = 0;
      this._likeBar.scrollIntoView({ block: 'nearest' });
      // From the box (keyboard), focus stays there; from a click, it goes to Back, not to <body>.
      if (had && had !== this._input) this._back.focus({ preventScroll: true });
      return this._fetch(1);
    }

    // back returns to what the last Similar button replaced.
    back() {
      const v = this._views.pop();
      if (!v) return;
      if (this._ctrl) this._ctrl.abort();
      this._ctrl = null;
      this._seq++; // an answer still on its way is dropped
      this._busy(false);
      this._failed = 0;
      this._hits = v.hits;
      this._last = v.last;
      this._page = v.page;
      this._list.replaceChildren(...v.list);
      this._list.hidden = !this._hits.length;
      this._facets.replaceChildren(...v.facets);
      this._note.replaceChildren(...v.note);
      this._note.hidden = v.noted;
      this._msg.hidden = true;
      this._msg.replaceChildren();
      this._more.hidden = v.more;
      this._status.textContent = v.status;
      this._took.textContent = v.took;
      this._showLike();
      this._setActive(v.active, v.col);
      this._panel.scrollTop = v.scroll;
      const row = this._list.children[v.i];
      if (row) scrollBy(0, row.getBoundingClientRect().top - v.top);
      (v.had && v.had.isConnected ? v.had : this._input).focus({ preventScroll: true });
      this._expanded();
      if (v.stale) this.search();
    }

    // _leave forgets the similar views: a new search starts from the box.
    _leave() {
      if (!this._views.length) return;
      this._views = [];
      this._showLike();
    }

    _showLike() {
      const like = this._like, v = this._views;
      this._likeBar.hidden = !like;
      this._list.setAttribute('aria-label', like ? `Films like ${like.title}` : 'Results');
      if (!like) return;
      this._likeTitle.textContent = like.title;
      this._back.setAttribute('aria-label', v.length > 1 ? `Back to films like ${v[v.length - 2].hit.title}` : 'Back to results');
    }
  }

  customElements.define('film-search', FilmSearch);
})();
