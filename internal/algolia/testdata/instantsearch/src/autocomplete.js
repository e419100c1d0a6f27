// Algolia Autocomplete with getAlgoliaResults and the algoliasearch v5 lite client, as a site
// would bundle them, pointed at searchd's endpoint given in ?api=. Bundled by the browser test
// with the pinned esbuild.
import { autocomplete, getAlgoliaResults } from '@algolia/autocomplete-js';
import { liteClient } from 'algoliasearch/lite';

const api = new URL(new URLSearchParams(location.search).get('api'));
const searchClient = liteClient('filmsearch', 'public-search-key', {
  hosts: [{ url: api.hostname, port: Number(api.port), protocol: api.protocol.replace(':', ''), accept: 'readWrite' }],
});

// Autocomplete shows the answer to an earlier keystroke, and says it is idle, while the answer
// to the last one is on its way: the test waits until no search is in flight.
window.inFlight = 0;
const search = searchClient.search.bind(searchClient);
searchClient.search = (...args) => {
  window.inFlight++;
  return search(...args).finally(() => window.inFlight--);
};

window.searchErrors = [];
window.search = { status: 'idle', query: '' };
autocomplete({
  container: '#autocomplete',
  placeholder: 'Search films',
  debug: true, // the panel stays open while the test reads it
  // Without the theme's stylesheet the detached (mobile) mode's media query is empty, which
  // matches every screen.
  detachedMediaQuery: 'none',
  onStateChange({ state }) {
    // The panel renders after the state changes: the test waits for it to show these titles.
    const titles = state.collections.flatMap((c) => c.items.map((item) => item.title));
    window.search = { status: state.status, query: state.query, titles };
    if (state.status === 'error') window.searchErrors.push('autocomplete status error');
  },
  getSources({ query }) {
    return [{
      sourceId: 'films',
      getItems() {
        return getAlgoliaResults({
          searchClient,
          queries: [{ indexName: 'films', params: { query, hitsPerPage: 5 } }],
        });
      },
      templates: {
        item({ item, components, html }) {
          return html`<div class="film">
            <div class="title">${components.Highlight({ hit: item, attribute: 'title' })}</div>
            <div class="description">${components.Highlight({ hit: item, attribute: 'description' })}</div>
          </div>`;
        },
        noResults() {
          return 'No films';
        },
      },
    }];
  },
});
