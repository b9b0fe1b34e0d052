package extract

import (
	"bytes"
	"context"
	"fmt"
	"testing"
)

// promoLines is realistic copy for a detail aid: claims, body and ISI.
var promoLines = []string{
	"ZELTRA (zeltramab) 10 mg tablets: once-daily relief for moderate to severe plaque psoriasis",
	"In two 52-week trials, 68% of patients reached PASI 75 at week 16 vs 9% with placebo.¹",
	"Patients treated with ZELTRA had fewer flares; see full Prescribing Information for details.",
	"IMPORTANT SAFETY INFORMATION: ZELTRA may increase the risk of serious infections.",
	"Do not start ZELTRA in patients with an active infection until the infection resolves.",
	"Most common adverse reactions (≥ 1%) were upper respiratory infections and headache.",
}

func benchPDF(b *testing.B, pages, linesPerPage int) []byte {
	var texts []pdfText
	for pg := 1; pg <= pages; pg++ {
		for i := 0; i < linesPerPage; i++ {
			size, font := 9.0, "Helvetica"
			if i < 4 {
				size, font = 16, "Times"
			}
			texts = append(texts, pdfText{page: pg, x: 54, y: 60 + float64(i)*17.5, font: font, size: size,
				text: fmt.Sprintf("%s (%d.%d)", promoLines[i%len(promoLines)], pg, i)})
		}
	}
	return genPDF(b, pages, texts, pdfOptions{compress: true})
}

func BenchmarkExtractPDF20Pages(b *testing.B) {
	const pages = 20
	data := benchPDF(b, pages, 40)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		doc, err := Extract(context.Background(), bytes.NewReader(data), int64(len(data)), PDF, Limits{})
		if err != nil || len(doc.Lines) != pages*40 {
			b.Fatalf("lines %d, err %v", len(doc.Lines), err)
		}
	}
	b.ReportMetric(float64(pages*b.N)/b.Elapsed().Seconds(), "pages/s")
}
