package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/rs/zerolog/hlog"

	"filmsearch/internal/index"
)

func (s *server) handleSearch() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, perr := parseSearch(r.URL.RawQuery)
		if perr != nil {
			writeError(w, r, perr)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), s.opts.SearchTimeout)
		defer cancel()
		start := time.Now()
		res, err := s.s.Search(ctx, req)
		if err != nil {
			writeError(w, r, err)
			return
		}
		s.searched(r, req, res, time.Since(start))
		writeJSON(w, http.StatusOK, renderResult(res))
	})
}

func (s *server) handleSuggest() http.Handler {
	type response struct {
		Query       string       `json:"query"`
		Suggestions []suggestion `json:"suggestions"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := newParams(r.URL.RawQuery, "q", "limit")
		q := p.str("q")
		n := p.int("limit", index.MaxSuggestions, 1, index.MaxSuggestions)
		if p.err != nil {
			writeError(w, r, p.err)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), s.opts.SearchTimeout)
		defer cancel()
		sug, err := s.s.Suggest(ctx, q, n)
		if err != nil {
			writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, response{Query: q, Suggestions: renderSuggestions(sug)})
	})
}

// Ids are slugs: nothing that could name a path or need escaping.
var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,127}$`)

func validID(id string) bool { return idRE.MatchString(id) && !strings.Contains(id, "..") }

func (s *server) handleFilm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := mux.Vars(r)["id"]
		if !validID(id) {
			writeError(w, r, paramError("id", "id must be a film id like the-nutcracker-1977"))
			return
		}
		if r.URL.RawQuery != "" {
			writeError(w, r, paramError("", "this endpoint takes no parameters"))
			return
		}
		f, err := s.s.Film(r.Context(), id)
		if err != nil {
			writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, f)
	})
}

// handleSimilar answers the films like one film, paged as a search is.
func (s *server) handleSimilar() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := mux.Vars(r)["id"]
		if !validID(id) {
			writeError(w, r, paramError("id", "id must be a film id like the-nutcracker-1977"))
			return
		}
		p := newParams(r.URL.RawQuery, "page", "per_page")
		perPage := p.int("per_page", index.DefaultPerPage, 1, index.MaxPerPage)
		page := p.int("page", 1, 1, index.MaxDepth)
		if p.err == nil && page*perPage > index.MaxDepth {
			p.fail(paramError("page", "page*per_page must be at most %d", index.MaxDepth))
		}
		if p.err != nil {
			writeError(w, r, p.err)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), s.opts.SearchTimeout)
		defer cancel()
		res, err := s.s.Similar(ctx, id, page, perPage)
		if err != nil {
			writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, renderResult(res))
	})
}

func handleHealthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}

// handleReadyz says whether to send traffic here. A refused build does not make searchd
// unready, since it serves the build it has; the answer names the refused build so that an
// operator sees why current is not what is served.
func (s *server) handleReadyz() http.Handler {
	type refused struct {
		BuildID string    `json:"build_id"`
		Reason  string    `json:"reason"`
		Since   time.Time `json:"since"`
	}
	type response struct {
		Status    string    `json:"status"`
		BuildID   string    `json:"build_id,omitempty"`
		DocCount  int       `json:"doc_count"`
		CreatedAt time.Time `json:"created_at,omitzero"`
		Refused   *refused  `json:"refused,omitempty"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := s.s.Manifest()
		var ref *refused
		if rr, ok := s.s.(refusalReporter); ok {
			if rf, ok := rr.Refused(); ok {
				// The error names paths on this machine: the client gets its kind only.
				reason := "the build could not be opened"
				if errors.Is(rf.Err, index.ErrDamaged) {
					reason = "the build is damaged"
				}
				ref = &refused{BuildID: rf.BuildID, Reason: reason, Since: rf.At.UTC()}
			}
		}
		if m.ID == "" || (s.opts.Ready != nil && !s.opts.Ready()) {
			writeJSON(w, http.StatusServiceUnavailable, response{Status: "unavailable", Refused: ref})
			return
		}
		writeJSON(w, http.StatusOK, response{Status: "ready", BuildID: m.ID, DocCount: m.DocCount, CreatedAt: m.CreatedAt, Refused: ref})
	})
}

// admin guards an admin endpoint: off (404) without a configured key, 401 on a wrong one.
// The key is compared in constant time.
func (s *server) admin(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.opts.AdminKey == "" {
			handleNotFound(w, r)
			return
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.opts.AdminKey)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="searchd admin"`)
			writeError(w, r, &Error{Code: CodeUnauthorized, Message: "a valid admin key is required"})
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (s *server) handleReload() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.opts.Reload == nil {
			handleNotFound(w, r)
			return
		}
		swapped, err := s.opts.Reload(r.Context())
		if err != nil {
			hlog.FromRequest(r).Error().Err(err).Msg("admin reload failed")
			writeError(w, r, &Error{Code: CodeUnavailable, Message: "reload failed; the previous build is still served"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"swapped": swapped, "build_id": s.s.Manifest().ID})
	})
}

func (s *server) handleReindex() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.opts.Reindex == nil {
			handleNotFound(w, r)
			return
		}
		if err := s.opts.Reindex(r.Context()); err != nil {
			writeError(w, r, &Error{Code: CodeUnavailable, Message: err.Error(), RetryAfter: 5})
			return
		}
		writeJSON(w, http.StatusAccepted, map[string]string{"status": "reindexing"})
	})
}
