package extract

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
)

// htmlMaxToken bounds one HTML token (a tag with its attributes or a text
// run). Inline data: images in e-mails can be a few megabytes.
const htmlMaxToken = 32 << 20

// htmlSkip are elements whose content is never shown as text.
var htmlSkip = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Head: true, atom.Title: true, atom.Object: true, atom.Iframe: true,
}

// htmlBlock are elements that start and end a line.
var htmlBlock = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true,
	atom.Br: true, atom.Caption: true, atom.Dd: true, atom.Details: true, atom.Div: true,
	atom.Dl: true, atom.Dt: true, atom.Fieldset: true, atom.Figcaption: true,
	atom.Figure: true, atom.Footer: true, atom.Form: true, atom.H1: true, atom.H2: true,
	atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true, atom.Header: true,
	atom.Hr: true, atom.Li: true, atom.Main: true, atom.Nav: true, atom.Ol: true,
	atom.P: true, atom.Pre: true, atom.Section: true, atom.Summary: true,
	atom.Table: true, atom.Tbody: true, atom.Td: true, atom.Tfoot: true, atom.Th: true,
	atom.Thead: true, atom.Tr: true, atom.Ul: true, atom.Body: true, atom.Html: true,
	atom.Option: true, atom.Legend: true, atom.Center: true,
}

// htmlVoid are elements that never have content or an end tag.
var htmlVoid = map[atom.Atom]bool{
	atom.Area: true, atom.Base: true, atom.Br: true, atom.Col: true, atom.Embed: true,
	atom.Hr: true, atom.Img: true, atom.Input: true, atom.Link: true, atom.Meta: true,
	atom.Source: true, atom.Track: true, atom.Wbr: true, atom.Param: true,
}

// htmlSelfClosing are elements whose start tag closes an open element of the
// same kind (a new <p> ends the previous one), so that sloppy HTML without
// end tags does not look deeply nested.
var htmlSelfClosing = map[atom.Atom]bool{
	atom.P: true, atom.Li: true, atom.Dt: true, atom.Dd: true, atom.Tr: true,
	atom.Td: true, atom.Th: true, atom.Option: true,
}

// extractHTML streams r through the HTML tokenizer: visible text is
// collected, white space collapsed and block elements break lines. Content
// of script, style, noscript, template, head and embedded objects is skipped.
// Nesting deeper than lim.MaxXMLDepth is an error.
func extractHTML(ctx context.Context, r io.Reader, lim Limits, c *collector) error {
	c.doc.Pages = 1
	z := html.NewTokenizer(htmlDecoder(ctxReader{ctx, r}))
	z.SetMaxBuf(htmlMaxToken)
	var (
		stack []atom.Atom // open elements
		skip  int         // open elements whose content is hidden
		pre   int         // open <pre> elements
		line  strings.Builder
		space bool // a collapsed space is pending
	)
	flush := func() error {
		text := line.String()
		line.Reset()
		space = false
		if pre > 0 {
			for _, l := range strings.Split(text, "\n") {
				if err := c.add(1, l, 0); err != nil {
					return err
				}
			}
			return nil
		}
		return c.add(1, text, 0)
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			err := z.Err()
			if errors.Is(err, io.EOF) {
				return flush()
			}
			if errors.Is(err, html.ErrBufferExceeded) {
				return tooLargef(err, "The HTML file contains a single element larger than %d MiB.", htmlMaxToken>>20)
			}
			return err
		case html.TextToken:
			if skip > 0 {
				continue
			}
			text := string(z.Text()) // entities are already decoded
			if pre > 0 {
				line.WriteString(text)
				continue
			}
			// Only ASCII white space collapses in HTML; a no-break space
			// stays in the text as U+00A0.
			fields := strings.FieldsFunc(text, func(r rune) bool { return r < utf8.RuneSelf && isHTMLSpace(byte(r)) })
			for i, f := range fields {
				if line.Len() > 0 && (i > 0 || space || isHTMLSpace(text[0])) {
					line.WriteByte(' ')
				}
				line.WriteString(f)
			}
			if len(fields) == 0 {
				space = space || text != ""
			} else {
				space = isHTMLSpace(text[len(text)-1])
			}
			if line.Len() > c.maxText {
				if err := flush(); err != nil {
					return err
				}
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if htmlBlock[a] {
				if err := flush(); err != nil {
					return err
				}
			}
			if tt == html.SelfClosingTagToken || htmlVoid[a] {
				continue
			}
			if htmlSelfClosing[a] && len(stack) > 0 && stack[len(stack)-1] == a {
				stack = stack[:len(stack)-1]
			}
			if a == atom.Body {
				// The head ends where the body starts, even without </head>.
				stack, skip, pre = closeTo(stack, atom.Head, skip, pre)
			}
			if len(stack) >= lim.MaxXMLDepth {
				return invalidf(nil, "The HTML file nests elements more than %d deep.", lim.MaxXMLDepth)
			}
			stack = append(stack, a)
			if htmlSkip[a] {
				skip++
			}
			if a == atom.Pre {
				pre++
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if htmlBlock[a] {
				if err := flush(); err != nil {
					return err
				}
			}
			stack, skip, pre = closeTo(stack, a, skip, pre)
		}
	}
}

// closeTo closes the innermost open element a and everything opened inside
// it, if a is open, and returns the updated stack and counters.
func closeTo(stack []atom.Atom, a atom.Atom, skip, pre int) ([]atom.Atom, int, int) {
	for i := len(stack) - 1; i >= 0; i-- {
		if stack[i] != a {
			continue
		}
		for _, open := range stack[i:] {
			if htmlSkip[open] {
				skip--
			}
			if open == atom.Pre {
				pre--
			}
		}
		return stack[:i], skip, pre
	}
	return stack, skip, pre
}

// htmlDecoder decodes a legacy encoding declared by a BOM or a <meta>
// charset in the first 1024 bytes (the HTML5 prescan). Without a
// declaration the text is read as UTF-8, the encoding Detect checked, and
// not as the windows-1252 that browsers guess.
func htmlDecoder(r io.Reader) io.Reader {
	br := bufio.NewReaderSize(r, 1024)
	head, _ := br.Peek(1024)
	if bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")) {
		_, _ = br.Discard(3)
		return br
	}
	enc, name, _ := charset.DetermineEncoding(head, "text/html")
	if name == "utf-8" || !bytes.HasPrefix(head, []byte("\xFE\xFF")) && !bytes.HasPrefix(head, []byte("\xFF\xFE")) &&
		!bytes.Contains(bytes.ToLower(head), []byte("charset")) {
		return br
	}
	return enc.NewDecoder().Reader(br)
}

func isHTMLSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f'
}
