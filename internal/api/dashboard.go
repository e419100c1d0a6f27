package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"filmsearch/internal/index"
)

// The operator dashboard, GET /admin: what is served (build and corpus facts), searches per
// minute, search latency percentiles, and the top and zero-result queries of the last day,
// through the native API and InstantSearch. It is one HTML page rendered on the server with
// inline SVG charts: no script, no request of its own, and a Content-Security-Policy that
// allows only its one stylesheet (by hash). It refreshes itself every minute.
//
// It needs the admin key, as a bearer token or as the password of HTTP Basic authentication
// (any user name), so a person opens it in a browser, which asks for the key. It is never
// cached and never CORS-enabled.

//go:embed dashboard.html
var dashboardHTML string

//go:embed dashboard.css
var dashboardCSS string

var (
	dashboardTmpl = template.Must(template.New("dashboard").Funcs(template.FuncMap{
		"comma": comma,
	}).Parse(dashboardHTML))
	dashboardCSP = func() string {
		sum := sha256.Sum256([]byte(dashboardCSS))
		return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; " +
			"img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
	}()
)

const (
	dashSlots     = 144 // the day in 10-minute slots
	dashSlotWidth = 10  // minutes
	dashTop       = 15  // queries per table
)

// adminPage guards the dashboard as admin guards the API, but also takes the key as a Basic
// password, and asks a browser for it.
func (s *server) adminPage(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.opts.AdminKey == "" {
			handleNotFound(w, r)
			return
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			_, got, ok = r.BasicAuth()
		}
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.opts.AdminKey)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="searchd admin: the admin key as password", charset="UTF-8"`)
			w.Header().Set("Cache-Control", "no-store")
			writeError(w, r, &Error{Code: CodeUnauthorized, Message: "a valid admin key is required"})
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (s *server) handleDashboard() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RawQuery != "" {
			writeError(w, r, paramError(strings.SplitN(r.URL.RawQuery, "=", 2)[0], "the dashboard takes no parameters"))
			return
		}
		d := s.dashboard(r.Context())
		var buf bytes.Buffer
		if err := dashboardTmpl.Execute(&buf, d); err != nil {
			writeError(w, r, fmt.Errorf("dashboard: %w", err))
			return
		}
		hd := w.Header()
		hd.Set("Content-Type", "text/html; charset=utf-8")
		hd.Set("Cache-Control", "no-store")
		hd.Set("Content-Security-Policy", dashboardCSP)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		w.WriteHeader(http.StatusOK)
		w.Write(buf.Bytes())
	})
}

type fact struct{ Name, Value string }

type tile struct{ Label, Value, Note string }

type queryRow struct {
	QueryCount
	Bar template.HTML
}

type dashboardData struct {
	Style     template.CSS
	Generated string
	Tiles     []tile
	Build     []fact
	Refused   string
	Notice    string
	Rate      template.HTML
	Latency   template.HTML
	Decades   template.HTML
	Companies []QueryCount // value and count, in QueryCount's fields
	Genres    []QueryCount
	Top       []queryRow
	Zero      []queryRow
	Searches  int
	IS        int
}

func (s *server) dashboard(ctx context.Context) dashboardData {
	now := time.Now().UTC()
	d := dashboardData{Style: template.CSS(dashboardCSS), Generated: now.Format("2006-01-02 15:04:05 UTC")}
	slots := s.traffic.series(dashSlots, dashSlotWidth)
	hour := slots[len(slots)-60/dashSlotWidth:]
	var lastHour, day trafficSlot
	for i := range slots {
		merge(&day, &slots[i])
	}
	for i := range hour {
		merge(&lastHour, &hour[i])
	}
	lastMin := s.traffic.series(1, 1)[0]
	zeroShare := "—"
	if day.Total() > 0 {
		zeroShare = fmt.Sprintf("%.1f%%", 100*float64(day.Zero)/float64(day.Total()))
	}
	d.Tiles = []tile{
		{"Searches, last minute", comma(lastMin.Total()), fmt.Sprintf("%s an hour", comma(lastHour.Total()))},
		{"Searches, last 24 h", comma(day.Total()), fmt.Sprintf("%s through InstantSearch", comma(day.Searches[instantSearch]))},
		{"Found nothing, last 24 h", zeroShare, fmt.Sprintf("%s searches", comma(day.Zero))},
		{"Latency p50 / p90 / p99, last hour", pcts(&lastHour), "ms, index time of searches not served from cache"},
	}

	m := s.s.Manifest()
	age := "—"
	if !m.CreatedAt.IsZero() {
		age = m.CreatedAt.UTC().Format("2006-01-02 15:04 UTC") + " (" + roundAge(now.Sub(m.CreatedAt)) + " ago)"
	}
	d.Build = []fact{
		{"Build", m.ID},
		{"Built", age},
		{"Films", comma(m.DocCount)},
		{"Index size", fmt.Sprintf("%.1f MB", float64(m.SizeBytes)/1e6)},
		{"Build time", fmt.Sprintf("%.1f s", m.BuildSeconds)},
		{"Corpus digest", short(m.CorpusDigest, 16)},
		{"Index format", strconv.Itoa(m.Format)},
		{"Built by", orDash(m.Version)},
		{"searchd", orDash(s.opts.Version) + ", up " + roundAge(now.Sub(s.started))},
		{"Response cache", s.cacheFacts()},
	}
	if s.opts.Notice != nil {
		d.Notice = s.opts.Notice()
	}
	if rr, ok := s.s.(refusalReporter); ok {
		if rf, ok := rr.Refused(); ok {
			d.Refused = fmt.Sprintf("current names build %s, refused %s ago (%v); the build above is served instead", rf.BuildID, roundAge(now.Sub(rf.At)), rf.Err)
		}
	}
	// Corpus facts from the facets of a browse of the whole collection.
	if res, err := s.s.Search(ctx, index.Request{Page: 1, PerPage: 1, FacetSize: 8,
		Facets: []string{index.FacetDecade, index.FacetCompany, index.FacetGenre}}); err == nil {
		d.Decades = decadeChart(res.Facets[index.FacetDecade].Values)
		d.Companies = facetList(res.Facets[index.FacetCompany].Values)
		d.Genres = facetList(res.Facets[index.FacetGenre].Values)
	}

	d.Rate = rateChart(slots)
	d.Latency = latencyChart(slots)
	rep := s.insights.report(dashTop)
	d.Searches, d.IS = rep.Searches, rep.InstantSearch
	d.Top = queryRows(rep.TopQueries)
	d.Zero = queryRows(rep.TopZeroResult)
	return d
}

func (s *server) cacheFacts() string {
	if s.cache == nil {
		return "off"
	}
	s.cache.mu.Lock()
	n, b := s.cache.order.Len(), s.cache.bytes
	s.cache.mu.Unlock()
	return fmt.Sprintf("%s answers of %s, %.1f MB gzipped", comma(n), comma(s.cache.max), float64(b)/1e6)
}

func merge(into, s *trafficSlot) {
	for p := range into.Searches {
		into.Searches[p] += s.Searches[p]
	}
	into.Zero += s.Zero
	for i, n := range s.lat {
		into.lat[i] += n
	}
	into.timed += s.timed
}

func pcts(s *trafficSlot) string {
	var parts []string
	for _, p := range []float64{50, 90, 99} {
		v, ok := s.Percentile(p)
		if !ok {
			return "—"
		}
		parts = append(parts, ms(v))
	}
	return strings.Join(parts, " / ")
}

func ms(v float64) string {
	switch {
	case v < 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case v < 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

func roundAge(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%.1f h", d.Hours())
	}
	return fmt.Sprintf("%.0f days", d.Hours()/24)
}

func short(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return orDash(s)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// comma writes n with thousands separators.
func comma(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + comma(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func facetList(vs []index.FacetValue) []QueryCount {
	out := make([]QueryCount, 0, len(vs))
	for _, v := range vs {
		out = append(out, QueryCount{Query: v.Value, Count: v.Count})
	}
	return out
}

func queryRows(qs []QueryCount) []queryRow {
	most := 1
	for _, q := range qs {
		most = max(most, q.Count)
	}
	rows := make([]queryRow, len(qs))
	for i, q := range qs {
		// The bar: native and InstantSearch shares of the most frequent query's length.
		const w = 160
		nw := float64(w) * float64(q.Native) / float64(most)
		iw := float64(w) * float64(q.InstantSearch) / float64(most)
		rows[i] = queryRow{QueryCount: q, Bar: template.HTML(fmt.Sprintf(
			`<svg class="bar" width="%d" height="10" viewBox="0 0 %d 10" aria-hidden="true"><rect class="native" width="%.1f" height="10"/><rect class="is" x="%.1f" width="%.1f" height="10"/></svg>`,
			w, w, nw, nw, iw))}
	}
	return rows
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten, so axis labels are round.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// Chart geometry, in SVG user units: the plot sits inside the margins.
const (
	chartW, chartH                 = 720, 200
	padL, padR, padT, padB         = 44, 8, 10, 22
	plotW, plotH           float64 = chartW - padL - padR, chartH - padT - padB
)

// frame draws the axes of a time chart over slots: horizontal grid lines at 0, half and top
// with their labels, and the time of every third hour.
func frame(b *strings.Builder, slots []trafficSlot, top float64, unit string) {
	for _, f := range []float64{0, 0.5, 1} {
		y := padT + plotH*(1-f)
		fmt.Fprintf(b, `<line class="grid" x1="%d" x2="%.0f" y1="%.1f" y2="%.1f"/>`, padL, padL+plotW, y, y)
		fmt.Fprintf(b, `<text class="axis" x="%d" y="%.1f" text-anchor="end">%s</text>`, padL-6, y+4, html.EscapeString(axisNum(top*f)+unit))
	}
	bw := plotW / float64(len(slots))
	for i, s := range slots {
		if s.Start.Minute() == 0 && s.Start.Hour()%3 == 0 {
			x := padL + bw*float64(i)
			fmt.Fprintf(b, `<line class="tick" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>`, x, x, padT+plotH, padT+plotH+4)
			fmt.Fprintf(b, `<text class="axis" x="%.1f" y="%d" text-anchor="middle">%s</text>`, x, chartH-4, s.Start.Format("15:04"))
		}
	}
}

func axisNum(v float64) string {
	if v == math.Trunc(v) {
		return comma(int(v))
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// rateChart draws searches per minute in each slot, native and InstantSearch stacked.
func rateChart(slots []trafficSlot) template.HTML {
	most := 0.0
	for _, s := range slots {
		most = max(most, float64(s.Total())/dashSlotWidth)
	}
	top := niceCeil(most)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="rate-t rate-d">`, chartW, chartH)
	fmt.Fprintf(&b, `<title id="rate-t">Searches per minute, last 24 hours, in 10-minute steps</title><desc id="rate-d">At most %s a minute; native API and InstantSearch stacked.</desc>`, axisNum(math.Round(most*10)/10))
	frame(&b, slots, top, "")
	bw := plotW / float64(len(slots))
	for i, s := range slots {
		if s.Total() == 0 {
			continue
		}
		x := padL + bw*float64(i)
		nh := plotH * float64(s.Searches[native]) / dashSlotWidth / top
		ih := plotH * float64(s.Searches[instantSearch]) / dashSlotWidth / top
		base := padT + plotH
		fmt.Fprintf(&b, `<g><title>%s UTC: %s native, %s InstantSearch a minute</title>`, s.Start.Format("15:04"),
			axisNum(float64(s.Searches[native])/dashSlotWidth), axisNum(float64(s.Searches[instantSearch])/dashSlotWidth))
		fmt.Fprintf(&b, `<rect class="native" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`, x, base-nh, max(bw-0.6, 0.5), nh)
		if ih > 0 {
			fmt.Fprintf(&b, `<rect class="is" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`, x, base-nh-ih, max(bw-0.6, 0.5), ih)
		}
		b.WriteString(`</g>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// latencyChart draws the p50, p90 and p99 of each slot's timed searches as lines, broken where
// a slot timed nothing.
func latencyChart(slots []trafficSlot) template.HTML {
	pc := []float64{50, 90, 99}
	vals := make([][]float64, len(pc))
	most := 0.0
	for j, p := range pc {
		vals[j] = make([]float64, len(slots))
		for i := range slots {
			v, ok := slots[i].Percentile(p)
			if !ok {
				v = -1
			}
			vals[j][i] = v
			most = max(most, v)
		}
	}
	top := niceCeil(most)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="lat-t lat-d">`, chartW, chartH)
	fmt.Fprintf(&b, `<title id="lat-t">Search latency percentiles, last 24 hours, in 10-minute steps</title><desc id="lat-d">p50, p90 and p99 in milliseconds; the highest p99 is %s ms.</desc>`, ms(most))
	frame(&b, slots, top, " ms")
	bw := plotW / float64(len(slots))
	for j, p := range pc {
		var pts []string
		flush := func() {
			if len(pts) == 1 { // a lone slot: a ring, as a line needs two points
				x, y, _ := strings.Cut(pts[0], ",")
				fmt.Fprintf(&b, `<circle class="p%d" cx="%s" cy="%s" r="3"/>`, int(p), x, y)
			}
			if len(pts) > 1 {
				fmt.Fprintf(&b, `<polyline class="p%d" points="%s"/>`, int(p), strings.Join(pts, " "))
			}
			pts = pts[:0]
		}
		for i, v := range vals[j] {
			if v < 0 {
				flush()
				continue
			}
			x := padL + bw*(float64(i)+0.5)
			y := padT + plotH*(1-v/top)
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
		}
		flush()
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// decadeChart draws the collection's films by decade as columns with their counts.
func decadeChart(vs []index.FacetValue) template.HTML {
	if len(vs) == 0 {
		return ""
	}
	// Facet values come by count; a histogram reads in time order.
	sorted := append([]index.FacetValue(nil), vs...)
	for i := 1; i < len(sorted); i++ {
		for j := i; j > 0 && sorted[j].Value < sorted[j-1].Value; j-- {
			sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
		}
	}
	most := 1
	for _, v := range sorted {
		most = max(most, v.Count)
	}
	const w, h, top, bottom = 720, 150, 16, 20
	bw := float64(w) / float64(len(sorted))
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="dec-t"><title id="dec-t">Films by decade</title>`, w, h)
	for i, v := range sorted {
		bh := float64(h-top-bottom) * float64(v.Count) / float64(most)
		x := bw * float64(i)
		fmt.Fprintf(&b, `<rect class="decade" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`, x+2, float64(h-bottom)-bh, bw-4, bh)
		fmt.Fprintf(&b, `<text class="count" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, x+bw/2, float64(h-bottom)-bh-4, comma(v.Count))
		fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="%d" text-anchor="middle">%s</text>`, x+bw/2, h-5, html.EscapeString(v.Value))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
