package server

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
)

func (s *Server) analyticsScope(c echo.Context) domain.BrandScope {
	all, brands := s.authz.Brands(principalOf(c).user, "analytics", "read")
	if b := c.QueryParam("brand"); b != "" {
		if all || slices.Contains(brands, b) {
			return domain.BrandScope{Brands: []string{b}}
		}
		return domain.BrandScope{Brands: []string{}}
	}
	return domain.BrandScope{All: all, Brands: brands}
}

// analyticsDays reads ?days= (default def, 1 to 3650).
func analyticsDays(c echo.Context, def int) (int, error) {
	return queryInt(c, "days", def, 1, 3650, "Use a number of days from 1 to 3650.")
}

// table is an analytics result as rows of text, for CSV.
type table struct {
	header []string
	rows   [][]string
}

// respond sends v as JSON, or t as CSV when ?format=csv.
func respond(c echo.Context, name string, v any, t table) error {
	if c.QueryParam("format") != "csv" {
		return c.JSON(http.StatusOK, v)
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(t.header)
	for _, r := range t.rows {
		for i := range r {
			r[i] = csvSafe(r[i])
		}
		_ = w.Write(r)
	}
	w.Flush()
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="fairshelf-`+name+`.csv"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

func usageTable(rows []domain.UsageRow) table {
	t := table{header: []string{"key", "label", "downloads", "reps"}}
	for _, r := range rows {
		t.rows = append(t.rows, []string{r.Key, r.Label, strconv.FormatInt(r.Downloads, 10), strconv.FormatInt(r.Reps, 10)})
	}
	return t
}

func countTable(rows []domain.CountRow) table {
	t := table{header: []string{"key", "label", "count"}}
	for _, r := range rows {
		t.rows = append(t.rows, []string{r.Key, r.Label, strconv.FormatInt(r.Count, 10)})
	}
	return t
}

func (s *Server) apiUtilization(c echo.Context) error {
	days, err := analyticsDays(c, 90)
	if err != nil {
		return err
	}
	by, err := queryChoice(c, "by", "Choose asset, rep or brand.", "asset", "rep", "brand")
	if err != nil {
		return err
	}
	rows, err := s.store.Utilization(c.Request().Context(), s.analyticsScope(c), by, s.now().AddDate(0, 0, -days))
	if err != nil {
		return err
	}
	return respond(c, "utilization", map[string]any{"days": days, "rows": rows}, usageTable(rows))
}

func (s *Server) apiUnused(c echo.Context) error {
	days, err := analyticsDays(c, 90)
	if err != nil {
		return err
	}
	rows, err := s.store.Unused(c.Request().Context(), s.analyticsScope(c), s.now().AddDate(0, 0, -days))
	if err != nil {
		return err
	}
	t := table{header: []string{"asset_id", "job_code", "title", "brand", "published_at"}}
	for _, r := range rows {
		t.rows = append(t.rows, []string{r.AssetID, r.JobCode, r.Title, r.Brand, r.PublishedAt.UTC().Format(time.RFC3339)})
	}
	return respond(c, "unused", map[string]any{"days": days, "rows": rows}, t)
}

func (s *Server) apiFeedbackCounts(c echo.Context) error {
	days, err := analyticsDays(c, 90)
	if err != nil {
		return err
	}
	by, err := queryChoice(c, "by", "Choose kind or asset.", "kind", "asset")
	if err != nil {
		return err
	}
	rows, err := s.store.FeedbackCounts(c.Request().Context(), s.analyticsScope(c), by, s.now().AddDate(0, 0, -days))
	if err != nil {
		return err
	}
	return respond(c, "feedback", map[string]any{"days": days, "rows": rows}, countTable(rows))
}

func (s *Server) apiReviewCycle(c echo.Context) error {
	days, err := analyticsDays(c, 365)
	if err != nil {
		return err
	}
	st, err := s.store.ReviewCycle(c.Request().Context(), s.analyticsScope(c), s.now().AddDate(0, 0, -days))
	if err != nil {
		return err
	}
	t := table{header: []string{"rounds", "approved", "median_hours", "p90_hours", "first_pass_rate"},
		rows: [][]string{
			{
				strconv.FormatInt(st.Rounds, 10),
				strconv.FormatInt(st.Approved, 10),
				fmt.Sprintf("%.1f", st.MedianHours),
				fmt.Sprintf("%.1f", st.P90Hours),
				fmt.Sprintf("%.3f", st.FirstPassRate),
			},
		}}
	return respond(c, "review-cycle", map[string]any{"days": days, "stats": st}, t)
}

func (s *Server) apiFindingCounts(c echo.Context) error {
	rows, err := s.store.FindingCounts(c.Request().Context(), s.analyticsScope(c))
	if err != nil {
		return err
	}
	return respond(c, "findings", map[string]any{"rows": rows}, countTable(rows))
}

func (s *Server) apiExpiryBacklog(c echo.Context) error {
	rows, err := s.store.ExpiryBacklog(c.Request().Context(), s.analyticsScope(c), s.now())
	if err != nil {
		return err
	}
	return respond(c, "expiry-backlog", map[string]any{"rows": rows}, countTable(rows))
}

// barChart draws horizontal bars as an accessible SVG: a title, one bar and
// text label per row, values written out so nothing depends on colour.
func barChart(title string, labels []string, values []int64) template.HTML {
	const rowH, labelW, barW = 22, 180, 320
	var maxV int64 = 1
	for _, v := range values {
		maxV = max(maxV, v)
	}
	h := rowH*len(labels) + 10
	var b strings.Builder
	fmt.Fprintf(
		&b,
		`<svg class="chart" role="img" aria-label="%s" viewBox="0 0 %d %d" width="100%%" `+
			`xmlns="http://www.w3.org/2000/svg"><title>%s</title>`,
		html.EscapeString(title),
		labelW+barW+60,
		max(h, 30),
		html.EscapeString(title),
	)
	if len(labels) == 0 {
		b.WriteString(`<text x="0" y="20" font-size="13">No data yet.</text>`)
	}
	for i, l := range labels {
		y := i*rowH + 4
		w := int(float64(barW) * float64(values[i]) / float64(maxV))
		l = chartLabel(l)
		fmt.Fprintf(
			&b,
			`<text x="%d" y="%d" font-size="12" text-anchor="end">%s</text>`+
				`<rect x="%d" y="%d" width="%d" height="%d" fill="#0b5cad"></rect>`+
				`<text x="%d" y="%d" font-size="12">%d</text>`,
			labelW-6,
			y+14,
			html.EscapeString(l),
			labelW,
			y+2,
			max(w, 1),
			rowH-8,
			labelW+max(w, 1)+6,
			y+14,
			values[i],
		)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every interpolated text is escaped above
}

// maxLabel is the longest label a chart shows, in characters; a longer one is
// cut to one character less and ends in "…".
const maxLabel = 28

// chartLabel shortens a chart label to maxLabel characters. It cuts between
// characters, never inside one: not inside a UTF-8 sequence (names are often
// not ASCII), not before a combining mark, and not next to a zero-width
// joiner or before an emoji modifier, so that an accent stays on its letter
// and a composed emoji is kept or dropped whole.
func chartLabel(l string) string {
	if utf8.RuneCountInString(l) <= maxLabel {
		return l
	}
	rs := []rune(l)
	cut := maxLabel - 1
	for cut > 0 && continues(rs[cut-1], rs[cut]) {
		cut--
	}
	return string(rs[:cut]) + "…"
}

// continues reports whether r, following prev, belongs to the same
// user-perceived character.
func continues(prev, r rune) bool {
	const zwj = '\u200d'
	isModifier := r >= 0x1f3fb && r <= 0x1f3ff // emoji skin tones
	return prev == zwj || r == zwj || isModifier || unicode.Is(unicode.M, r)
}

func countChart(title string, rows []domain.CountRow) template.HTML {
	labels, values := make([]string, 0, len(rows)), make([]int64, 0, len(rows))
	for i, r := range rows {
		if i == 12 {
			break
		}
		labels, values = append(labels, r.Label), append(values, r.Count)
	}
	return barChart(title, labels, values)
}

// analyticsView is what analytics.html shows.
type analyticsView struct {
	*pageData
	Data analyticsData
}

func (analyticsView) templateName() string { return "analytics.html" }

// analyticsData is the dashboard: the figures and their charts.
type analyticsData struct {
	Usage                                                  []domain.UsageRow
	Unused                                                 []domain.UnusedRow
	Feedback, Findings, Backlog                            []domain.CountRow
	Cycle                                                  domain.ReviewStats
	UsageChart, FeedbackChart, FindingsChart, BacklogChart template.HTML
}

func (s *Server) dashboardPage(c echo.Context) error {
	ctx := c.Request().Context()
	scope := s.analyticsScope(c)
	now := s.now()
	from90 := now.AddDate(0, 0, -90)
	usage, err := s.store.Utilization(ctx, scope, "asset", from90)
	if err != nil {
		return err
	}
	unused, err := s.store.Unused(ctx, scope, from90)
	if err != nil {
		return err
	}
	fbKinds, err := s.store.FeedbackCounts(ctx, scope, "kind", from90)
	if err != nil {
		return err
	}
	findings, err := s.store.FindingCounts(ctx, scope)
	if err != nil {
		return err
	}
	backlog, err := s.store.ExpiryBacklog(ctx, scope, now)
	if err != nil {
		return err
	}
	cycle, err := s.store.ReviewCycle(ctx, scope, now.AddDate(-1, 0, 0))
	if err != nil {
		return err
	}
	var ul []string
	var uv []int64
	for i, u := range usage {
		if i == 12 {
			break
		}
		ul, uv = append(ul, u.Label), append(uv, u.Downloads)
	}
	data := analyticsView{pageData: s.pageData(c, "Analytics"), Data: analyticsData{
		Usage: usage, Unused: unused, Feedback: fbKinds, Findings: findings, Backlog: backlog, Cycle: cycle,
		UsageChart:    barChart("Downloads per piece, last 90 days", ul, uv),
		FeedbackChart: countChart("Field feedback by kind, last 90 days", fbKinds),
		FindingsChart: countChart("Checker findings per rule", findings),
		BacklogChart:  countChart("Published pieces by time to expiry", backlog),
	}}
	return s.renderPage(c, http.StatusOK, data)
}
