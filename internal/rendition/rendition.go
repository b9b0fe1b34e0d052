// Package rendition makes the page images reviewers look at: for every new
// content object, in the background, PDFium renders each PDF page to a
// screen image and a thumbnail with the position of every character; an
// uploaded picture is its own page; Word and PowerPoint files are converted
// to PDF first when LibreOffice is installed; anything else is shown as its
// extracted text. Images are stored in the object store under keys derived
// from the content's SHA-256, and every page is recorded as soon as it is
// made, so that the first page can be shown while the rest render.
package rendition

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/extract"
	"github.com/fairshelf/fairshelf/internal/object"
	"github.com/fairshelf/fairshelf/internal/render"
	"github.com/fairshelf/fairshelf/internal/store"
)

// Options configure a Service.
type Options struct {
	// MaxBytes is the largest content rendered to pages; larger files are
	// shown as their text. Zero means 256 MiB.
	MaxBytes int64
	// Lease is how long an instance holds a rendition it is making before
	// another may take it up. Zero means ten minutes.
	Lease time.Duration
	// Office is the LibreOffice program that converts DOCX and PPTX to PDF;
	// empty looks for "soffice" on the PATH, "-" disables conversion.
	Office string
	// TempDir holds conversions; empty means os.TempDir().
	TempDir string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Service makes renditions on this instance.
type Service struct {
	store   *store.Store
	objects *object.Service
	engine  *render.Engine
	log     *slog.Logger
	opts    Options
	kick    chan struct{}
}

// New returns a Service; Run makes the renditions.
func New(st *store.Store, objects *object.Service, engine *render.Engine, log *slog.Logger, opts Options) *Service {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 256 << 20
	}
	if opts.Lease <= 0 {
		opts.Lease = 10 * time.Minute
	}
	switch opts.Office {
	case "":
		opts.Office, _ = exec.LookPath("soffice")
	case "-":
		opts.Office = ""
	}
	if opts.TempDir == "" {
		opts.TempDir = os.TempDir()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{store: st, objects: objects, engine: engine, log: log, opts: opts, kick: make(chan struct{}, 1)}
}

// Kick tells Run that new content is waiting, so that it starts at once
// rather than at its next poll.
func (s *Service) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Wake receives a value whenever Kick is called: run Work then.
func (s *Service) Wake() <-chan struct{} { return s.kick }

// Work makes pending renditions until none is left (a jobs.Func): whenever
// kicked, and at every poll for work queued by other instances or left by
// a crashed one.
func (s *Service) Work(ctx context.Context, _ time.Time) error {
	for ctx.Err() == nil {
		did, err := s.RunOnce(ctx)
		if err != nil || !did {
			return err
		}
	}
	return nil
}

// RunOnce claims one pending rendition and makes it; did is false when
// none was waiting.
func (s *Service) RunOnce(ctx context.Context) (did bool, err error) {
	job, ok, err := s.store.ClaimRendition(ctx, s.opts.Now(), s.opts.Lease)
	if err != nil || !ok {
		return false, err
	}
	status, reason, pages, err := s.make(ctx, job)
	if err != nil {
		// Not the document's fault (storage, database, shutdown): the claim
		// runs out and the rendition is taken up again.
		return true, fmt.Errorf("rendition %s: %w", job.SHA256, err)
	}
	if status == domain.RenditionFailed {
		s.log.Info("rendition: pages could not be made", "sha256", job.SHA256, "reason", reason)
	}
	return true, s.store.FinishRendition(ctx, job.SHA256, status, reason, pages, s.opts.Now())
}

// make renders job and returns how the rendition ends.
func (s *Service) make(ctx context.Context, job store.RenditionJob) (status, reason string, pages int, err error) {
	switch job.MediaType {
	case extract.PDF, extract.PNG, extract.JPEG:
	case extract.DOCX, extract.PPTX:
		if s.opts.Office == "" {
			return domain.RenditionTextOnly, "", 0, nil
		}
	default:
		return domain.RenditionTextOnly, "", 0, nil
	}
	if job.ObjectKey == "" {
		return domain.RenditionFailed, "The file of this version is missing.", 0, nil
	}
	data, err := s.read(ctx, job.ObjectKey)
	if err != nil {
		if domain.ErrorCode(err) == domain.EINVALID {
			return domain.RenditionTextOnly, domain.ErrorMessage(err), 0, nil
		}
		return "", "", 0, err
	}
	if job.MediaType == extract.PNG || job.MediaType == extract.JPEG {
		screen, thumb, err := render.RenderImage(data)
		if err != nil {
			return failed(err)
		}
		p := render.Page{Number: 1, Width: float64(screen.Width), Height: float64(screen.Height), Screen: screen, Thumb: thumb}
		if err := s.save(ctx, job.SHA256, p); err != nil {
			return "", "", 0, err
		}
		return domain.RenditionReady, "", 1, nil
	}
	if job.MediaType == extract.DOCX || job.MediaType == extract.PPTX {
		if data, err = s.convert(ctx, data, job.MediaType); err != nil {
			s.log.Warn("rendition: LibreOffice could not convert the file", "sha256", job.SHA256, "err", err)
			return domain.RenditionTextOnly, "", 0, nil
		}
	}
	if err := s.engine.Wait(ctx); err != nil {
		return "", "", 0, err
	}
	n, err := s.engine.RenderPDF(ctx, data, func(p render.Page) error { return s.save(ctx, job.SHA256, p) })
	if err != nil {
		return failed(err)
	}
	return domain.RenditionReady, "", n, nil
}

// failed turns a rendering error into a failed rendition when it is the
// document's fault, or passes it on.
func failed(err error) (string, string, int, error) {
	var re *render.Error
	if errors.As(err, &re) {
		return domain.RenditionFailed, re.Reason, 0, nil
	}
	return "", "", 0, err
}

// read loads a content object whole, verified, if it is small enough to
// render.
func (s *Service) read(ctx context.Context, key string) ([]byte, error) {
	r, err := s.objects.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if r.Size() > s.opts.MaxBytes {
		return nil, domain.Errorf(domain.EINVALID, "The file is too large to show as pages (over %s); it is shown as its text.",
			object.HumanBytes(s.opts.MaxBytes))
	}
	data, err := io.ReadAll(r)
	if err == nil {
		err = r.Err()
	}
	return data, err
}

// Key returns the object key of a page image of the content sha256: kind
// is "page" or "thumb".
func Key(sha256 string, number int, kind, mediaType string) string {
	ext := ".jpg"
	if mediaType == "image/png" {
		ext = ".png"
	}
	return fmt.Sprintf("renditions/%s/%s/%s-%04d%s", sha256[:2], sha256, kind, number, ext)
}

// save stores a page's two images and records the page.
func (s *Service) save(ctx context.Context, sha string, p render.Page) error {
	screen, err := s.put(ctx, Key(sha, p.Number, "page", p.Screen.MediaType), p.Screen)
	if err != nil {
		return err
	}
	thumb, err := s.put(ctx, Key(sha, p.Number, "thumb", p.Thumb.MediaType), p.Thumb)
	if err != nil {
		return err
	}
	boxes := make([]domain.Rect, len(p.Boxes))
	for i, b := range p.Boxes {
		boxes[i] = domain.Rect{X: b.X, Y: b.Y, W: b.W, H: b.H}
	}
	return s.store.AddRenditionPage(ctx, sha, domain.RenditionPage{Number: p.Number, Width: p.Width, Height: p.Height,
		Image: screen, Thumb: thumb}, p.Text, domain.EncodeBoxes(boxes))
}

func (s *Service) put(ctx context.Context, key string, img render.Image) (domain.PageImage, error) {
	sum := sha256.Sum256(img.Data)
	out := domain.PageImage{Key: key, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(img.Data)), MediaType: img.MediaType,
		Width: img.Width, Height: img.Height}
	return out, s.objects.PutDerived(ctx, key, img.Data, out.SHA256)
}

// convert turns a Word or PowerPoint file into PDF with LibreOffice, in a
// folder of its own, with a time limit.
func (s *Service) convert(ctx context.Context, data []byte, mediaType string) ([]byte, error) {
	dir, err := os.MkdirTemp(s.opts.TempDir, "office-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	name := "piece.docx"
	if mediaType == extract.PPTX {
		name = "piece.pptx"
	}
	in := filepath.Join(dir, name)
	if err := os.WriteFile(in, data, 0o600); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	// A profile folder of its own, so that conversions never share or
	// touch a user's LibreOffice settings, and macros stay off.
	cmd := exec.CommandContext(ctx, s.opts.Office, "--headless", "--norestore", "--nologo",
		"-env:UserInstallation=file://"+filepath.Join(dir, "profile"), "--convert-to", "pdf", "--outdir", dir, in)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("soffice: %w: %s", err, out)
	}
	return os.ReadFile(filepath.Join(dir, "piece.pdf"))
}
