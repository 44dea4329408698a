package fhir

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	_ "image/gif" // decoders for inline images
	_ "image/jpeg"
	"image/png"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"codeberg.org/go-pdf/fpdf"
)

// RenderPDF writes the document as an A4 PDF with the content of
// RenderHTML: header, sections, tables of medicines and results with
// abnormal flags in words, and the attachments listed, small images drawn.
// It uses the PDF core fonts, which draw Latin text (Windows-1252): other
// characters are transliterated where common (₹, ≤, ā) and otherwise drawn
// as '?', never failing the document. The PDF is always in English, its
// fixed words and month names too: the core fonts have no Devanagari, so a
// Hindi heading would be drawn as '?'s (RenderHTMLIn speaks other languages).
func RenderPDF(w io.Writer, b *Bundle) error {
	return renderPDF(w, b, true)
}

// Page geometry, in millimetres.
const (
	pdfMargin     = 15.0
	pdfLine       = 5.0
	pdfCellLine   = 4.4
	pdfMaxLines   = 40 // lines of one table cell; longer text is cut
	pdfImageWidth = 120.0
	pdfMaxPixels  = 2000 // each side of an image drawn in the PDF
)

func renderPDF(w io.Writer, b *Bundle, compress bool) error {
	v, err := newView(b, defaultLanguage)
	if err != nil {
		return err
	}
	p := fpdf.New("P", "mm", "A4", "")
	p.SetCompression(compress)
	p.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	p.SetAutoPageBreak(true, pdfMargin+5)
	// The metadata names the kind of record only: no personal data.
	p.SetTitle(latin(v.Kind), false)
	p.SetCreator("Arogya", false)
	if c, err := b.Composition(); err == nil {
		if t, _, err := ParseDateTime(c.Date); err == nil {
			p.SetCreationDate(t) // deterministic output for the same record
			p.SetModificationDate(t)
		}
	}
	p.AliasNbPages("{nb}")
	p.SetFooterFunc(func() {
		p.SetY(-pdfMargin)
		p.SetFont("Helvetica", "", 8)
		p.SetTextColor(90, 90, 90)
		p.CellFormat(0, 5, latin(fmt.Sprintf("%s - page %d of {nb}", v.Kind, p.PageNo())), "", 0, "C", false, 0, "")
		p.SetTextColor(0, 0, 0)
	})
	d := &pdfDoc{p: p}
	d.draw(v)
	if err := p.Error(); err != nil {
		return fmt.Errorf("fhir: render PDF: %w", err)
	}
	return p.Output(w)
}

type pdfDoc struct {
	p      *fpdf.Fpdf
	images int
}

func (d *pdfDoc) width() float64 {
	w, _ := d.p.GetPageSize()
	return w - 2*pdfMargin
}

func (d *pdfDoc) draw(v *view) {
	p := d.p
	p.AddPage()
	p.SetFont("Helvetica", "B", 16)
	p.MultiCell(0, 7, latin(v.Title), "", "L", false)
	p.SetFont("Helvetica", "", 10)
	p.SetTextColor(80, 80, 80)
	p.MultiCell(0, pdfLine, latin(joinNonEmpty(" - ", v.Kind, v.Date, v.Status)), "", "L", false)
	p.SetTextColor(0, 0, 0)
	p.Ln(2)

	d.field("Patient", v.Patient.Name)
	d.field("Gender", v.Patient.Gender)
	d.field("Date of birth", v.Patient.BirthDate)
	for _, id := range v.Patient.IDs {
		d.field(id.Label, id.Value)
	}
	d.field("Facility", v.Facility)
	d.field("Author", strings.Join(v.Authors, "; "))
	d.field("Visit", v.Encounter)

	for _, s := range v.Sections {
		d.heading(s.Title, 12)
		for _, t := range s.Text {
			d.para(t)
		}
		if len(s.Medicines) > 0 {
			rows := make([][]string, len(s.Medicines))
			for i, m := range s.Medicines {
				rows[i] = []string{m.Name, m.Dosage}
			}
			d.table([]string{"Medicine", "Dosage and instructions"}, []float64{0.4, 0.6}, rows, nil)
		}
		if len(s.Results) > 0 {
			d.results(s.Results)
		}
		for _, r := range s.Reports {
			d.heading(r.Title, 11)
			if r.Detail != "" {
				d.para(r.Detail)
			}
			if len(r.Results) > 0 {
				d.results(r.Results)
			}
			if r.Conclusion != "" {
				d.para("Conclusion: " + r.Conclusion)
			}
			if s := seeText(r.Attachments); s != "" {
				d.para(s)
			}
		}
		for _, in := range s.Invoices {
			d.heading(joinNonEmpty(" - ", in.Title, in.Detail), 11)
			rows := make([][]string, 0, len(in.Lines)+1)
			for _, l := range in.Lines {
				rows = append(rows, []string{l.Item, l.Quantity, l.Amount})
			}
			emph := make([]bool, len(rows))
			if in.Total != "" {
				rows = append(rows, []string{"Total", "", in.Total})
				emph = append(emph, true)
			}
			d.table([]string{"Item", "Quantity", "Amount"}, []float64{0.6, 0.15, 0.25}, rows, emph)
		}
		for _, it := range s.Items {
			text := it.Text
			if it.Detail != "" {
				text += " (" + it.Detail + ")"
			}
			d.para("\u2022 " + joinNonEmpty(" ", text, seeText(it.Attachments)))
		}
	}
	if len(v.Attachments) > 0 {
		d.heading("Attachments", 12)
		for _, a := range v.Attachments {
			d.para(fmt.Sprintf("%d. %s (%s, %s)", a.N, a.Title, a.ContentType, a.Size))
			if a.URL != "" {
				d.para("Stored at: " + a.URL)
			}
			if a.image != nil {
				d.image(a.image)
			}
		}
	}
}

func seeText(atts []int) string {
	if len(atts) == 0 {
		return ""
	}
	var ns []string
	for _, n := range atts {
		ns = append(ns, strconv.Itoa(n))
	}
	return "See attachment " + strings.Join(ns, ", ") + "."
}

func (d *pdfDoc) field(label, value string) {
	if value == "" {
		return
	}
	p := d.p
	p.SetFont("Helvetica", "B", 10)
	p.CellFormat(40, pdfLine, latin(label), "", 0, "L", false, 0, "")
	p.SetFont("Helvetica", "", 10)
	p.MultiCell(0, pdfLine, latin(value), "", "L", false)
}

func (d *pdfDoc) heading(s string, size float64) {
	p := d.p
	_, pageH := p.GetPageSize()
	if p.GetY()+20 > pageH-pdfMargin-5 { // keep a heading with what follows
		p.AddPage()
	}
	p.Ln(3)
	p.SetFont("Helvetica", "B", size)
	p.MultiCell(0, 6, latin(s), "B", "L", false)
	p.Ln(1)
	p.SetFont("Helvetica", "", 10)
}

func (d *pdfDoc) para(s string) {
	d.p.SetFont("Helvetica", "", 10)
	d.p.MultiCell(0, pdfLine, latin(truncateRunes(s, maxViewText)), "", "L", false)
}

func (d *pdfDoc) results(rs []viewResult) {
	rows := make([][]string, len(rs))
	emph := make([]bool, len(rs))
	for i, r := range rs {
		flag := r.FlagText
		if r.Abnormal {
			flag = strings.ToUpper(flag) // the flag in words, not colour alone
		}
		rows[i] = []string{r.Name, r.Value, r.Range, flag}
		emph[i] = r.Abnormal
	}
	d.table([]string{"Test", "Result", "Reference range", "Flag"}, []float64{0.38, 0.24, 0.24, 0.14}, rows, emph)
}

// table draws a table with a header row, repeated on each new page; emph
// rows are bold. Column widths are fractions of the text width.
func (d *pdfDoc) table(header []string, fractions []float64, rows [][]string, emph []bool) {
	p := d.p
	widths := make([]float64, len(fractions))
	for i, f := range fractions {
		widths[i] = f * d.width()
	}
	_, pageH := p.GetPageSize()
	bottom := pageH - pdfMargin - 5
	split := func(cells []string, style string) ([][][]byte, float64) {
		p.SetFont("Helvetica", style, 9)
		lines := make([][][]byte, len(cells))
		n := 1
		for i, c := range cells {
			ls := p.SplitLines([]byte(latin(c)), widths[i])
			if len(ls) > pdfMaxLines {
				ls = append(ls[:pdfMaxLines-1], []byte("..."))
			}
			lines[i] = ls
			n = max(n, len(ls))
		}
		return lines, float64(n)*pdfCellLine + 1.5
	}
	headLines, headH := split(header, "B")
	drawHeader := func() {
		p.SetFont("Helvetica", "B", 9)
		p.SetFillColor(235, 235, 235)
		d.tableRow(widths, headLines, headH, true)
	}
	for i, r := range rows {
		style := ""
		if i < len(emph) && emph[i] {
			style = "B"
		}
		lines, h := split(r, style)
		switch {
		case i == 0 && p.GetY()+headH+h > bottom:
			p.AddPage()
			drawHeader()
		case i == 0:
			drawHeader()
		case p.GetY()+h > bottom:
			p.AddPage()
			drawHeader()
		}
		p.SetFont("Helvetica", style, 9)
		d.tableRow(widths, lines, h, false)
	}
	p.Ln(2)
	p.SetFont("Helvetica", "", 10)
}

func (d *pdfDoc) tableRow(widths []float64, lines [][][]byte, h float64, fill bool) {
	p := d.p
	style := "D"
	if fill {
		style = "FD"
	}
	x0, y0 := p.GetXY()
	x := x0
	for i, ls := range lines {
		p.Rect(x, y0, widths[i], h, style)
		for j, l := range ls {
			p.SetXY(x, y0+0.75+float64(j)*pdfCellLine)
			p.CellFormat(widths[i], pdfCellLine, string(l), "", 0, "L", false, 0, "")
		}
		x += widths[i]
	}
	p.SetXY(x0, y0+h)
}

// image draws a small image attachment. It is decoded and re-encoded as an
// 8-bit PNG first, so the PDF library only ever parses what Go wrote; an
// image that does not decode, or is too large, is left listed but undrawn.
func (d *pdfDoc) image(data []byte) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > pdfMaxPixels || cfg.Height > pdfMaxPixels {
		return
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return
	}
	rgba := image.NewNRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, draw.Src)
	var buf bytes.Buffer
	if png.Encode(&buf, rgba) != nil {
		return
	}
	p := d.p
	d.images++
	name := fmt.Sprintf("attachment-%d", d.images)
	opts := fpdf.ImageOptions{ImageType: "PNG"}
	p.RegisterImageOptionsReader(name, opts, &buf)
	if p.Err() {
		p.ClearError()
		return
	}
	w := min(pdfImageWidth, float64(cfg.Width)*25.4/96)
	h := w * float64(cfg.Height) / float64(cfg.Width)
	_, pageH := p.GetPageSize()
	if p.GetY()+h > pageH-pdfMargin-5 {
		p.AddPage()
	}
	p.ImageOptions(name, pdfMargin, p.GetY(), w, h, false, opts, 0, "")
	p.SetY(p.GetY() + h + 2)
}

func truncateRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// cp1252 maps the characters of Windows-1252 outside Latin-1 to their bytes.
var cp1252 = map[rune]byte{
	'€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87, 'ˆ': 0x88, '‰': 0x89,
	'Š': 0x8a, '‹': 0x8b, 'Œ': 0x8c, 'Ž': 0x8e, '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '•': 0x95,
	'–': 0x96, '—': 0x97, '˜': 0x98, '™': 0x99, 'š': 0x9a, '›': 0x9b, 'œ': 0x9c, 'ž': 0x9e, 'Ÿ': 0x9f,
}

// transliterations stand in for common characters the core fonts lack.
var transliterations = map[rune]string{
	'₹': "Rs.", '≤': "<=", '≥': ">=", '≠': "!=", '→': "->", '←': "<-", '−': "-", '‐': "-", '‑': "-",
	'⁰': "^0", '⁴': "^4", '⁵': "^5", '⁶': "^6", '⁷': "^7", '⁸': "^8", '⁹': "^9", '✓': "v", '✔': "v",
	'ā': "a", 'Ā': "A", 'ī': "i", 'Ī': "I", 'ū': "u", 'Ū': "U", 'ṛ': "r", 'ṝ': "r", 'ṣ': "s", 'Ṣ': "S",
	'ś': "s", 'Ś': "S", 'ṇ': "n", 'Ṇ': "N", 'ñ': "n", 'ṭ': "t", 'Ṭ': "T", 'ḍ': "d", 'Ḍ': "D", 'ṃ': "m",
	'ṁ': "m", 'ḥ': "h", 'ē': "e", 'ō': "o", 'ł': "l", 'ő': "o", 'ű': "u", 'č': "c", 'ć': "c", 'ę': "e",
	'\u200b': "", '\u200c': "", '\u200d': "", '\ufeff': "",
}

// latin converts text to the Windows-1252 bytes the PDF core fonts draw,
// transliterating what it can and writing '?' for the rest.
func latin(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f:
		case r < 0x80 || (r >= 0xa0 && r <= 0xff):
			b.WriteByte(byte(r))
		default:
			if c, ok := cp1252[r]; ok {
				b.WriteByte(c)
			} else if t, ok := transliterations[r]; ok {
				b.WriteString(t)
			} else {
				b.WriteByte('?')
			}
		}
	}
	return b.String()
}
