// React InstantSearch with the algoliasearch v5 lite client, pointed at searchd's endpoint given
// in ?api=: a search box, a disjunctive refinement list on companies, a conjunctive one
// (operator "and") on decade, and hits. Bundled by the browser test with the pinned esbuild.
import { useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { liteClient } from 'algoliasearch/lite';
import { Configure, Highlight, Hits, InstantSearch, RefinementList, SearchBox, useInstantSearch } from 'react-instantsearch';

const api = new URL(new URLSearchParams(location.search).get('api'));
const searchClient = liteClient('filmsearch', 'public-search-key', {
  hosts: [{ url: api.hostname, port: Number(api.port), protocol: api.protocol.replace(':', ''), accept: 'readWrite' }],
});

window.searchErrors = [];

// Status shows nbHits and tells the test whether a search is under way and which decades the
// shown results were asked for: the refinement lists show a choice before its results come.
function Status() {
  const { status, error, results } = useInstantSearch();
  const state = results && results._state; // the helper's parameters of these results
  const resultsRefined = state ? (state.facetsRefinements.decade || []) : [];
  useEffect(() => {
    window.search = { status, resultsRefined };
    if (error) window.searchErrors.push(String(error.message || error));
  }, [status, error, resultsRefined.join('|')]);
  return <span id="nbhits">{results ? results.nbHits : -1}</span>;
}

function Hit({ hit }) {
  return (
    <>
      <h3 className="title"><Highlight attribute="title" hit={hit} /></h3>
      <p className="description"><Highlight attribute="description" hit={hit} /></p>
    </>
  );
}

function App() {
  return (
    <InstantSearch indexName="films" searchClient={searchClient}>
      <Configure hitsPerPage={4} />
      <div id="searchbox"><SearchBox /></div>
      <div id="stats"><Status /></div>
      <div id="companies"><RefinementList attribute="companies" /></div>
      <div id="decades"><RefinementList attribute="decade" operator="and" /></div>
      <div id="hits"><Hits hitComponent={Hit} /></div>
    </InstantSearch>
  );
}

createRoot(document.getElementById('app')).render(<App />);
