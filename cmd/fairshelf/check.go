package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/fairshelf/fairshelf/internal/checker"
	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/extract"
)

// runCheck prints the fair-balance report of a local file against a brand's
// current label and claims library, without uploading or recording it, so
// that an agency can check a draft first. It exits 1 when the report has an
// error finding.
func runCheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	brand := fs.String("brand", "", "brand code whose label and claims the file is checked against")
	channel := fs.String("channel", "", "channel of the piece (email enables the unsubscribe rule)")
	audience := fs.String("audience", "hcp", "audience of the piece: hcp, patient or payer")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	// Accept the file before or after the flags.
	var file string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		file, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return usageErr(err)
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	}
	if file == "" || *brand == "" {
		return usageErr(errors.New("usage: fairshelf check FILE --brand BRAND [--channel email] [--json]"))
	}
	f, err := os.Open(file)
	if err != nil {
		return usageErr(fmt.Errorf("check: %w", err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	mediaType, err := extract.Detect(f, st.Size())
	if err != nil {
		return usageErr(fmt.Errorf("check: %s", domain.ErrorMessage(err)))
	}
	piece := checker.Piece{MediaType: mediaType, Channel: *channel, Audience: *audience, TextStatus: domain.TextOK}
	doc, err := extract.Extract(ctx, f, st.Size(), mediaType, extract.DefaultLimits())
	var xe *extract.Error
	switch {
	case errors.As(err, &xe):
		piece.TextStatus, piece.TextError = domain.TextFailed, xe.Reason
	case err != nil:
		return err
	case mediaType == extract.PNG || mediaType == extract.JPEG || mediaType == extract.MP4:
		piece.TextStatus = domain.TextNotApplicable
	case len(doc.Lines) == 0:
		piece.TextStatus = domain.TextEmpty
	case doc.Truncated:
		piece.TextStatus, piece.TextError = domain.TextFailed, "The text is too long to check completely; only its beginning was read."
	}
	piece.Lines = append(piece.Lines, doc.Lines...)

	store, _, err := storeFromEnv(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer store.Close()
	b, err := store.Brand(ctx, *brand)
	if err != nil {
		return usageErr(fmt.Errorf("check: brand %s: %s", *brand, domain.ErrorMessage(err)))
	}
	labels, err := store.Labels(ctx, *brand)
	if err != nil {
		return err
	}
	claims, err := store.Claims(ctx, *brand)
	if err != nil {
		return err
	}
	rules := checker.DefaultRules()
	findings := checker.Check(
		checker.Input{Piece: piece, Label: b.Label, PreviousLabels: labels[:len(labels)-1], Claims: claims, Now: time.Now()},
		rules,
	)
	report := domain.CheckReport{
		Brand:        *brand,
		LabelVersion: b.Label.Version,
		RulesVersion: rules.Version,
		Findings:     findings,
		CheckedAt:    time.Now().UTC(),
	}
	if report.Findings == nil {
		report.Findings = []domain.Finding{}
	}
	report.Passed = !report.Blocking()

	if *asJSON {
		if err := writeJSON(stdout, report); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "%s (%s) checked against %s label v%d, rules %s\n", filepath.Base(file), mediaType, *brand, b.Label.Version,
			rules.Version)
		for _, fd := range report.Findings {
			where := "whole piece"
			if fd.Page > 0 {
				where = fmt.Sprintf("page %d, line %d", fd.Page, fd.Line)
			}
			fmt.Fprintf(stdout, "%-7s %-24s %s: %s\n", fd.Severity, fd.RuleID, where, fd.Message)
			if fd.Excerpt != "" {
				fmt.Fprintf(stdout, "        %q\n", fd.Excerpt)
			}
		}
		verdict := "PASS"
		if !report.Passed {
			verdict = "FAIL"
		}
		fmt.Fprintf(stdout, "%s: %d finding(s)\n", verdict, len(report.Findings))
	}
	if !report.Passed {
		return &exitError{code: 1, err: errors.New("check: the piece has error findings")}
	}
	return nil
}
