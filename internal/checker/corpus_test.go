package checker

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/extract"
	"github.com/fairshelf/fairshelf/internal/testenv"
)

var update = flag.Bool("update", false, "write the corpus results table into docs/checker.md")

const (
	corpusDir = "testdata/corpus"
	docsPath  = "../../docs/checker.md"
	// corpusNow is when the corpus is checked, unless a piece says otherwise.
	corpusNow = "2025-11-01"

	minRecall    = 0.9  // per error rule
	minPrecision = 0.85 // over all rules
)

// corpusBrand is a brand of testdata/brands.json.
type corpusBrand struct {
	Label          domain.Label   `json:"label"`
	PreviousLabels []domain.Label `json:"previous_labels"`
	Claims         []domain.Claim `json:"claims"`
}

// expectation is a piece's sidecar <name>.expect.json.
type expectation struct {
	Brand    string   `json:"brand"`
	Channel  string   `json:"channel"`
	Audience string   `json:"audience"`
	Now      string   `json:"now,omitempty"`
	Must     []string `json:"must"`
	MustNot  []string `json:"must_not"`
	// Exhaustive (the default) means Must lists every rule that should
	// fire: any other rule reported counts as a false positive.
	Exhaustive *bool  `json:"exhaustive,omitempty"`
	Note       string `json:"note,omitempty"`
}

// pieceKinds maps a corpus file's extension to its media type. ".src"
// files are generated into the real format by the test (see
// testdata/corpus/README.md).
var pieceKinds = []struct{ ext, mediaType string }{
	{".pdf.src", extract.PDF},
	{".docx.src", extract.DOCX},
	{".png.src", extract.PNG},
	{".html", extract.HTML},
	{".txt", extract.Text},
}

// corpusPiece is one loaded piece.
type corpusPiece struct {
	name   string
	file   string
	expect expectation
	input  Input
}

func loadCorpus(t *testing.T) []corpusPiece {
	t.Helper()
	raw, err := os.ReadFile("testdata/brands.json")
	if err != nil {
		t.Fatal(err)
	}
	var brands map[string]corpusBrand
	if err := json.Unmarshal(raw, &brands); err != nil {
		t.Fatalf("brands.json: %v", err)
	}
	for code, b := range brands {
		nb := domain.NewBrand{Code: code, Name: code, Label: b.Label}
		if err := nb.Validate(); err != nil {
			t.Fatalf("brands.json: %s: %v", code, err)
		}
	}
	sidecars, err := filepath.Glob(filepath.Join(corpusDir, "*.expect.json"))
	if err != nil || len(sidecars) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	slices.Sort(sidecars)
	var out []corpusPiece
	for _, sc := range sidecars {
		name := strings.TrimSuffix(filepath.Base(sc), ".expect.json")
		var e expectation
		if err := decodeStrict(sc, &e); err != nil {
			t.Fatalf("%s: %v", sc, err)
		}
		b, ok := brands[e.Brand]
		if !ok {
			t.Fatalf("%s: unknown brand %q", sc, e.Brand)
		}
		for _, id := range slices.Concat(e.Must, e.MustNot) {
			if _, ok := specOf(id); !ok {
				t.Fatalf("%s: unknown rule %q", sc, id)
			}
		}
		if !slices.Contains(domain.Channels, domain.Channel(e.Channel)) || !slices.Contains(domain.Audiences, domain.Audience(e.Audience)) {
			t.Fatalf("%s: channel %q or audience %q unknown", sc, e.Channel, e.Audience)
		}
		file, mediaType := "", ""
		for _, k := range pieceKinds {
			if _, err := os.Stat(filepath.Join(corpusDir, name+k.ext)); err == nil {
				if file != "" {
					t.Fatalf("%s: two piece files", name)
				}
				file, mediaType = name+k.ext, k.mediaType
			}
		}
		if file == "" {
			t.Fatalf("%s: no piece file", name)
		}
		now, err := time.Parse(time.DateOnly, cmpOr(e.Now, corpusNow))
		if err != nil {
			t.Fatalf("%s: now: %v", sc, err)
		}
		piece := extractPiece(t, filepath.Join(corpusDir, file), mediaType)
		piece.Channel, piece.Audience = e.Channel, e.Audience
		out = append(out, corpusPiece{name: name, file: file, expect: e, input: Input{
			Piece: piece, Label: b.Label, PreviousLabels: b.PreviousLabels, Claims: b.Claims, Now: now,
		}})
	}
	// Every corpus file belongs to a piece.
	all, _ := os.ReadDir(corpusDir)
	for _, f := range all {
		n := f.Name()
		if n == "README.md" || strings.HasSuffix(n, ".expect.json") {
			continue
		}
		if !slices.ContainsFunc(out, func(p corpusPiece) bool { return p.file == n }) {
			t.Errorf("%s has no .expect.json", n)
		}
	}
	return out
}

func decodeStrict(path string, v any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// extractPiece produces the file's bytes (generating PDF, DOCX and PNG
// from their sources) and extracts its text with the production extractor,
// setting the text status the way the library does on upload.
func extractPiece(t *testing.T, path, mediaType string) Piece {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data := src
	switch mediaType {
	case extract.PDF:
		data = genCorpusPDF(t, string(src))
	case extract.DOCX:
		data = genCorpusDOCX(t, string(src))
	case extract.PNG:
		var b bytes.Buffer
		if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8))); err != nil {
			t.Fatal(err)
		}
		data = b.Bytes()
	}
	p := Piece{MediaType: mediaType}
	doc, err := extract.Extract(context.Background(), bytes.NewReader(data), int64(len(data)), mediaType, extract.DefaultLimits())
	switch {
	case err != nil:
		p.TextStatus = domain.TextFailed
		p.TextError = domain.ErrorMessage(err)
		return p
	case mediaType == extract.PNG || mediaType == extract.JPEG || mediaType == extract.MP4:
		p.TextStatus = domain.TextNotApplicable
	case len(doc.Lines) == 0:
		p.TextStatus = domain.TextEmpty
	default:
		p.TextStatus = domain.TextOK
	}
	p.Lines = append(p.Lines, doc.Lines...)
	return p
}

// ---- generated formats ----

// srcBlock is one paragraph of a .src file with its type.
type srcBlock struct {
	text  string
	size  float64
	bold  bool
	page  bool // a page break instead of text
	blank bool // a page with a drawing but no text
}

// parseSrc reads the markup of .pdf.src and .docx.src files: every line is
// a paragraph; "@font 14 B" sets the size (and bold) of the following
// paragraphs, "@page" breaks the page, "@blank" adds a page without text,
// "@corrupt" damages the generated file.
func parseSrc(src string) (blocks []srcBlock, corrupt bool) {
	size, bold := 11.0, false
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimRight(line, " \r")
		switch {
		case strings.HasPrefix(line, "@font "):
			f := strings.Fields(line)
			size, _ = strconv.ParseFloat(f[1], 64)
			bold = len(f) > 2 && f[2] == "B"
		case line == "@page":
			blocks = append(blocks, srcBlock{page: true})
		case line == "@blank":
			blocks = append(blocks, srcBlock{blank: true})
		case line == "@corrupt":
			corrupt = true
		default:
			blocks = append(blocks, srcBlock{text: line, size: size, bold: bold})
		}
	}
	return blocks, corrupt
}

// genCorpusPDF lays the paragraphs out on Letter pages in Helvetica,
// wrapping at the margins, the way a designer's export would.
func genCorpusPDF(t *testing.T, src string) []byte {
	t.Helper()
	blocks, corrupt := parseSrc(src)
	p := fpdf.New("P", "pt", "Letter", "")
	p.SetCompression(true)
	tr := p.UnicodeTranslatorFromDescriptor("")
	const margin, width, bottom = 54.0, 504.0, 792.0 - 54.0
	y := margin
	newPage := func() { p.AddPage(); y = margin }
	newPage()
	for _, b := range blocks {
		switch {
		case b.page:
			newPage()
			continue
		case b.blank:
			newPage()
			p.Rect(100, 100, 300, 400, "F")
			continue
		case strings.TrimSpace(b.text) == "":
			y += 8
			continue
		}
		style := ""
		if b.bold {
			style = "B"
		}
		p.SetFont("Helvetica", style, b.size)
		var line []string
		flush := func() {
			if len(line) == 0 {
				return
			}
			if y+b.size > bottom {
				newPage()
			}
			y += b.size * 1.3
			p.Text(margin, y, tr(strings.Join(line, " ")))
			line = line[:0]
		}
		for _, w := range strings.Fields(b.text) {
			if len(line) > 0 && p.GetStringWidth(tr(strings.Join(append(line, w), " "))) > width {
				flush()
			}
			line = append(line, w)
		}
		flush()
		y += b.size * 0.4
	}
	var out bytes.Buffer
	if err := p.Output(&out); err != nil {
		t.Fatalf("fpdf: %v", err)
	}
	if corrupt {
		data := out.Bytes()
		return append(slices.Clone(data[:400]), bytes.Repeat([]byte{0x42}, 500)...)
	}
	return out.Bytes()
}

// genCorpusDOCX writes a minimal Word document: one w:p per paragraph, the
// size and bold set on its run, page breaks as w:br.
func genCorpusDOCX(t *testing.T, src string) []byte {
	t.Helper()
	blocks, _ := parseSrc(src)
	var body strings.Builder
	for _, b := range blocks {
		switch {
		case b.page || b.blank:
			body.WriteString(`<w:p><w:r><w:br w:type="page"/></w:r></w:p>`)
		case strings.TrimSpace(b.text) == "":
			body.WriteString(`<w:p/>`)
		default:
			rpr := fmt.Sprintf(`<w:sz w:val="%d"/>`, int(b.size*2))
			if b.bold {
				rpr = `<w:b/>` + rpr
			}
			fmt.Fprintf(&body, `<w:p><w:r><w:rPr>%s</w:rPr><w:t xml:space="preserve">%s</w:t></w:r></w:p>`, rpr, html.EscapeString(b.text))
		}
	}
	const xmlHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
	return testenv.ZIP(t,
		[2]string{"[Content_Types].xml", xmlHead +
			`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/word/document.xml"` +
			` ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		[2]string{"_rels/.rels", xmlHead +
			`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1"` +
			` Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"` +
			` Target="word/document.xml"/></Relationships>`},
		[2]string{"word/document.xml", xmlHead +
			`<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` +
			body.String() + `<w:sectPr/></w:body></w:document>`},
	)
}

// ---- scoring ----

// ruleScore counts one rule's results over the corpus. Each (piece, rule)
// pair counts once, however many findings the rule reports in the piece.
type ruleScore struct {
	id, severity string
	must         int // pieces that must get the rule
	found        int // ... and got it
	reported     int // pieces where the rule fired
	falsePos     int // ... where it must not (must_not, or not in must of an exhaustive piece)
}

func (s ruleScore) recall() float64 {
	if s.must == 0 {
		return 1
	}
	return float64(s.found) / float64(s.must)
}

func (s ruleScore) precision() float64 {
	judged := s.found + s.falsePos
	if judged == 0 {
		return 1
	}
	return float64(s.found) / float64(judged)
}

func TestCorpus(t *testing.T) {
	rules := DefaultRules()
	pieces := loadCorpus(t)
	if len(pieces) < 40 {
		t.Errorf("the corpus has %d pieces; keep at least 40", len(pieces))
	}
	scores := map[string]*ruleScore{}
	for _, r := range rules.Rules {
		scores[r.ID] = &ruleScore{id: r.ID, severity: r.Severity}
	}
	formats := map[string]int{}
	var misses []string
	for _, p := range pieces {
		formats[p.input.Piece.MediaType]++
		fs := Check(p.input, rules)
		got := map[string]bool{}
		for _, f := range fs {
			got[f.RuleID] = true
		}
		exhaustive := p.expect.Exhaustive == nil || *p.expect.Exhaustive
		for id, s := range scores {
			must := slices.Contains(p.expect.Must, id)
			if must {
				s.must++
				if got[id] {
					s.found++
				} else {
					misses = append(misses, fmt.Sprintf("%s: missed %s", p.name, id))
				}
			}
			if got[id] {
				s.reported++
				if !must && (slices.Contains(p.expect.MustNot, id) || exhaustive) {
					s.falsePos++
					misses = append(misses, fmt.Sprintf("%s: false %s:\n%s", p.name, id, dump(findingsOf(fs, id))))
				}
			}
		}
		if testing.Verbose() {
			t.Logf("%s (%s, %d lines):\n%s", p.name, p.input.Piece.MediaType, len(p.input.Piece.Lines), dump(fs))
		}
	}
	table := corpusTable(rules, scores, len(pieces), formats)
	t.Logf("\n%s", table)
	for _, m := range misses {
		t.Log(m)
	}

	var tp, fp int
	for _, s := range scores {
		tp += s.found
		fp += s.falsePos
		if s.severity == domain.SeverityError && s.recall() < minRecall {
			t.Errorf("%s: recall %.2f below %.2f", s.id, s.recall(), minRecall)
		}
		if s.must == 0 {
			t.Errorf("%s: no corpus piece must get this rule; add one", s.id)
		}
	}
	if p := float64(tp) / float64(max(tp+fp, 1)); p < minPrecision {
		t.Errorf("overall precision %.2f below %.2f", p, minPrecision)
	}

	docs, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatal(err)
	}
	newDocs, err := replaceBetween(string(docs), "<!-- corpus:begin -->", "<!-- corpus:end -->", table)
	if err != nil {
		t.Fatalf("%s: %v", docsPath, err)
	}
	switch {
	case *update:
		if err := os.WriteFile(docsPath, []byte(newDocs), 0o644); err != nil {
			t.Fatal(err)
		}
	case newDocs != string(docs):
		t.Errorf("%s is out of date: run go test ./internal/checker -run TestCorpus -update", docsPath)
	}
}

// corpusTable renders the scores as Markdown.
func corpusTable(rules Rules, scores map[string]*ruleScore, pieces int, formats map[string]int) string {
	var b strings.Builder
	kinds := []struct{ mediaType, name string }{
		{extract.PDF, "PDF"}, {extract.DOCX, "Word"}, {extract.HTML, "HTML"}, {extract.Text, "plain text"}, {extract.PNG, "image"},
	}
	var parts []string
	for _, k := range kinds {
		if n := formats[k.mediaType]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, k.name))
		}
	}
	fmt.Fprintf(
		&b,
		"Corpus: %d pieces (%s) under `internal/checker/testdata/corpus`, rules version %s.\n\n",
		pieces,
		strings.Join(parts, ", "),
		rules.Version,
	)
	b.WriteString("| rule | severity | pieces that must get it | found | recall | pieces where it fired | false positives | precision |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|\n")
	var tp, fp, must, found int
	for _, r := range rules.Rules {
		s := scores[r.ID]
		fmt.Fprintf(
			&b,
			"| %s | %s | %d | %d | %.2f | %d | %d | %.2f |\n",
			s.id,
			s.severity,
			s.must,
			s.found,
			s.recall(),
			s.reported,
			s.falsePos,
			s.precision(),
		)
		tp += s.found
		fp += s.falsePos
		must += s.must
		found += s.found
	}
	fmt.Fprintf(
		&b,
		"| **all** | | %d | %d | %.2f | | %d | %.2f |\n",
		must,
		found,
		float64(found)/float64(max(must, 1)),
		fp,
		float64(tp)/float64(max(tp+fp, 1)),
	)
	return b.String()
}

// replaceBetween replaces the text between two marker lines.
func replaceBetween(doc, begin, end, body string) (string, error) {
	i := strings.Index(doc, begin)
	j := strings.Index(doc, end)
	if i < 0 || j < i {
		return "", fmt.Errorf("markers %s and %s not found", begin, end)
	}
	return doc[:i+len(begin)] + "\n" + body + doc[j:], nil
}
