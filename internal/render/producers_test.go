package render_test

import (
	"context"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/fairshelf/fairshelf/internal/testenv"
)

// columnsHTML is a leaflet with a heading and two CSS columns.
var columnsHTML = `<!doctype html><html><head><meta charset="utf-8"><style>
body { font: 12pt sans-serif; margin: 0; }
h1 { font-size: 22pt; }
.cols { column-count: 2; column-gap: 36pt; }
.right { break-before: column; }
</style></head><body>
<h1>Fairshelf leaflet</h1>
<div class="cols"><p>` + strings.Repeat(leftText+" ", 5) + `</p>
<p class="right">` + strings.Repeat(rightText+" ", 5) + `</p></div>
<p style="break-before: page">Second page of the leaflet.</p>
</body></html>`

// chromiumPDF prints columnsHTML to an A4 PDF with headless Chromium.
func chromiumPDF(t *testing.T) []byte {
	t.Helper()
	exe := os.Getenv("FAIRSHELF_CHROMIUM")
	if exe == "" {
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(name); err == nil {
				exe = p
				break
			}
		}
	}
	if exe == "" {
		testenv.Unavailable(t, "Chromium", exec.ErrNotFound)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	if err := chromedp.Do(bctx, chromedp.Navigate("data:text/html;charset=utf-8,"+url.PathEscape(columnsHTML))); err != nil {
		t.Fatalf("opening the page in Chromium: %v", err)
	}
	margin := 0.8
	res, err := chromedp.Call(bctx, page.PrintToPDF, page.PrintToPDFParams{
		PaperWidth: 8.27, PaperHeight: 11.69, MarginTop: &margin, MarginBottom: &margin, MarginLeft: &margin, MarginRight: &margin,
	})
	if err != nil {
		t.Fatalf("printing with Chromium: %v", err)
	}
	pdf := res.Data
	return pdf
}

func TestChromium(t *testing.T) {
	pages := renderAll(t, chromiumPDF(t))
	if len(pages) != 2 {
		t.Fatalf("%d pages, want 2", len(pages))
	}
	for _, p := range pages {
		if math.Abs(p.Width-595.44) > 1.5 || math.Abs(p.Height-841.68) > 1.5 {
			t.Errorf("page %d is %.2f×%.2f pt, want A4", p.Number, p.Width, p.Height)
		}
	}
	p := pages[0]
	checkOnInk(t, p, "Fairshelf leaflet")
	checkOnInk(t, p, "Cardiology")
	checkOnInk(t, p, "Dosage")
	checkColumns(t, p, "Cardiology", "Dosage")
	checkOnInk(t, pages[1], "Second page")
}

// columnsPS is a two-page A4 PostScript leaflet with two columns.
const columnsPS = `%!PS-Adobe-3.0
<< /PageSize [595 842] >> setpagedevice
/Helvetica-Bold findfont 22 scalefont setfont
72 760 moveto (Fairshelf leaflet) show
/Helvetica findfont 11 scalefont setfont
/y 720 def
[(Cardiology results improved) (in the left column of) (the leaflet for patients.)] {
  72 y moveto show /y y 16 sub def } forall
/y 720 def
[(Dosage guidance continues) (in the right column for) (prescribers of the drug.)] {
  320 y moveto show /y y 16 sub def } forall
showpage
/Helvetica findfont 14 scalefont setfont
72 760 moveto (Second page of the leaflet) show
showpage
`

func TestGhostscript(t *testing.T) {
	ps2pdf, err := exec.LookPath("ps2pdf")
	if err != nil {
		testenv.Unavailable(t, "Ghostscript's ps2pdf (apt-get install ghostscript)", err)
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "leaflet.ps"), filepath.Join(dir, "leaflet.pdf")
	if err := os.WriteFile(in, []byte(columnsPS), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(ps2pdf, in, out).CombinedOutput(); err != nil {
		t.Fatalf("ps2pdf: %v\n%s", err, b)
	}
	pdf, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	pages := renderAll(t, pdf)
	if len(pages) != 2 {
		t.Fatalf("%d pages, want 2", len(pages))
	}
	for _, p := range pages {
		if p.Width != 595 || p.Height != 842 {
			t.Errorf("page %d is %.2f×%.2f pt, want 595×842", p.Number, p.Width, p.Height)
		}
	}
	p := pages[0]
	checkOnInk(t, p, "Fairshelf leaflet")
	checkOnInk(t, p, "Cardiology results")
	checkOnInk(t, p, "Dosage guidance")
	checkColumns(t, p, "Cardiology", "Dosage")
	checkOnInk(t, pages[1], "Second page")
}

// TestLibreOffice converts an HTML leaflet with LibreOffice, when it is
// installed.
func TestLibreOffice(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Skip("LibreOffice (soffice) is not installed")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "leaflet.html")
	html := "<html><body><h1>Fairshelf leaflet</h1><p>" + leftText + "</p></body></html>"
	if err := os.WriteFile(in, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, soffice, "--headless", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "pdf:writer_pdf_Export", "--outdir", dir, in)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, b)
	}
	pdf, err := os.ReadFile(filepath.Join(dir, "leaflet.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	pages := renderAll(t, pdf)
	checkOnInk(t, pages[0], "Fairshelf leaflet")
	checkOnInk(t, pages[0], "Cardiology results")
}
