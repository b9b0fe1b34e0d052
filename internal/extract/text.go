package extract

import (
	"bufio"
	"bytes"
	"context"
	"io"
)

// extractText splits plain text into lines on "\n", dropping a UTF-8 BOM and
// carriage returns. A line longer than the text limit is cut there; the
// reader is never buffered beyond one chunk plus the kept text.
func extractText(ctx context.Context, r io.Reader, c *collector) error {
	c.doc.Pages = 1
	br := bufio.NewReaderSize(ctxReader{ctx, r}, 64<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xEF\xBB\xBF")) {
		_, _ = br.Discard(3)
	}
	var line []byte
	overflow := false // the current line is already longer than we keep
	for {
		chunk, err := br.ReadSlice('\n')
		if len(chunk) > 0 && !overflow {
			if len(line)+len(chunk) > c.maxText+1 {
				// Keep one byte more than fits so that add notices the cut.
				chunk = chunk[:c.maxText+1-len(line)]
				overflow = true
			}
			line = append(line, chunk...)
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err != nil && err != io.EOF:
			return err
		}
		if len(line) > 0 || err == nil {
			text := string(bytes.ReplaceAll(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"), nil))
			if len(bytes.TrimSpace([]byte(text))) == 0 {
				c.skip(1)
			} else if aerr := c.add(1, text, 0); aerr != nil {
				return aerr
			}
		}
		if err == io.EOF {
			return nil
		}
		line, overflow = line[:0], false
	}
}
