package abha

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strings"
	"sync"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"github.com/skip2/go-qrcode"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/arogya-health/arogya"
)

// Card is what the Health ID card shows.
type Card struct {
	Name      string
	Number    string // ABHA number, formatted NN-NNNN-NNNN-NNNN
	Address   string // ABHA address, e.g. "gaurav.kumar@sbx"
	Gender    string // M, F, O
	BirthDate string // YYYY-MM-DD, or YYYY when only the year is known
	Mobile    string
	IssuedAt  time.Time
	QR        string // text of the QR code: a compact JWS made by the caller
}

// Card image size in pixels: the ID-1 (credit card) ratio, 85.6 x 54 mm at
// about 300 dpi.
const (
	CardWidth  = 1012
	CardHeight = 638
)

// The QR code gets at most qrArea pixels square and at least minModulePx
// pixels per module, so zbarimg and phone cameras read it reliably; with a
// 2-module quiet zone inside the area that allows QR version 20 (about 660
// bytes at ECC level M).
const (
	qrArea      = 420
	minModulePx = 4
)

var (
	navy   = color.RGBA{0x1a, 0x3c, 0x6e, 0xff}
	orange = color.RGBA{0xf2, 0x8c, 0x28, 0xff}
	ink    = color.RGBA{0x1f, 0x23, 0x28, 0xff}
	muted  = color.RGBA{0x60, 0x68, 0x72, 0xff}
	paper  = color.RGBA{0xff, 0xff, 0xff, 0xff}
	photo  = color.RGBA{0xe3, 0xe6, 0xea, 0xff}
	shadow = color.RGBA{0xa9, 0xb0, 0xb8, 0xff}
)

var (
	fontsOnce             sync.Once
	regularFont, boldFont *opentype.Font
	fontsErr              error
)

// face returns a new face of the Go font at size pixels; faces are not safe
// for concurrent use, so each rendering makes its own.
func face(bold bool, size float64) (font.Face, error) {
	fontsOnce.Do(func() {
		if regularFont, fontsErr = opentype.Parse(goregular.TTF); fontsErr == nil {
			boldFont, fontsErr = opentype.Parse(gobold.TTF)
		}
	})
	if fontsErr != nil {
		return nil, fontsErr
	}
	f := regularFont
	if bold {
		f = boldFont
	}
	return opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
}

// fields returns the card's labelled fields, in order.
func (c Card) fields() [][2]string {
	dobLabel, dob := "Date of birth", c.BirthDate
	if t, err := time.Parse(time.DateOnly, c.BirthDate); err == nil {
		dob = t.Format("02-01-2006")
	} else if len(c.BirthDate) == 4 {
		dobLabel = "Year of birth"
	}
	gender := map[string]string{"M": "Male", "F": "Female", "O": "Other"}[c.Gender]
	if gender == "" {
		gender = c.Gender
	}
	f := [][2]string{{"Gender", gender}, {dobLabel, dob}}
	if c.Mobile != "" {
		f = append(f, [2]string{"Mobile", c.Mobile})
	}
	return f
}

// RenderCardPNG draws the Health ID card as a CardWidth x CardHeight PNG:
// the title band, a photo placeholder, the name, ABHA number and address,
// gender, birth date and mobile, the issue date, and the QR code of c.QR.
func RenderCardPNG(c Card) ([]byte, error) {
	qr, px, err := cardQR(c.QR)
	if err != nil {
		return nil, err
	}
	img := image.NewRGBA(image.Rect(0, 0, CardWidth, CardHeight))
	fill(img, img.Bounds(), paper)
	fill(img, image.Rect(0, 0, CardWidth, 112), navy)
	fill(img, image.Rect(0, 112, CardWidth, 120), orange)

	type text struct {
		bold       bool
		size       float64
		col        color.Color
		x, y, maxW int
		s          string
	}
	texts := []text{
		{true, 36, paper, 36, 52, 940, "Ayushman Bharat Health Account"},
		{false, 26, paper, 36, 92, 940, "ABHA Health ID card"},
		{true, nameSize(c.Name), ink, 222, 182, 350, c.Name},
	}
	y := 230
	for _, f := range c.fields() {
		texts = append(texts,
			text{false, 20, muted, 222, y, 330, f[0]},
			text{true, 24, ink, 222, y + 28, 330, f[1]})
		y += 66
	}
	texts = append(texts,
		text{false, 22, muted, 36, 450, 500, "ABHA number"},
		text{true, 40, navy, 36, 494, 500, c.Number},
		text{false, 22, muted, 36, 540, 500, "ABHA address"},
		text{true, 28, ink, 36, 574, 500, c.Address},
	)
	if !c.IssuedAt.IsZero() {
		texts = append(texts, text{false, 18, muted, 36, 618, 500, "Issued " + c.IssuedAt.UTC().Format("02 Jan 2006")})
	}
	for _, t := range texts {
		fc, err := face(t.bold, t.size)
		if err != nil {
			return nil, fmt.Errorf("abha: card font: %w", err)
		}
		d := font.Drawer{Dst: img, Src: image.NewUniform(t.col), Face: fc}
		s := fitText(fc, t.s, t.maxW)
		d.Dot = fixed.P(t.x, t.y)
		d.DrawString(s)
		fc.Close()
	}
	drawSilhouette(img, image.Rect(36, 148, 196, 348))

	// The QR code, centred in the area right of the text, module by module.
	size := len(qr) * px
	x0 := 572 + (qrArea-size)/2
	y0 := 120 + (CardHeight-120-size)/2
	for r, row := range qr {
		for col, dark := range row {
			if dark {
				fill(img, image.Rect(x0+col*px, y0+r*px, x0+(col+1)*px, y0+(r+1)*px), color.Black)
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("abha: encode card: %w", err)
	}
	return buf.Bytes(), nil
}

// cardQR encodes text at ECC level M and returns its modules (without quiet
// zone) and the module size in pixels that fits the card.
func cardQR(text string) ([][]bool, int, error) {
	if text == "" {
		return nil, 0, arogya.Errorf(arogya.EINVALID, "card QR text is empty")
	}
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return nil, 0, arogya.Errorf(arogya.EINVALID, "card QR text is too long")
	}
	q.DisableBorder = true
	bm := q.Bitmap()
	px := qrArea / (len(bm) + 4) // room for a 2-module quiet zone each side
	if px < minModulePx {
		return nil, 0, arogya.Errorf(arogya.EINVALID, "card QR text is too long")
	}
	return bm, px, nil
}

// nameSize returns the largest font size, down to 24, at which the name
// fits its 350 pixels; longer names are then shortened by fitText.
func nameSize(name string) float64 {
	for _, size := range []float64{34, 31, 28, 26} {
		if fc, err := face(true, size); err == nil {
			w := font.MeasureString(fc, name)
			fc.Close()
			if w <= fixed.I(350) {
				return size
			}
		}
	}
	return 24
}

// fitText shortens s with an ellipsis until it fits maxW pixels.
func fitText(f font.Face, s string, maxW int) string {
	limit := fixed.I(maxW)
	if font.MeasureString(f, s) <= limit {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && font.MeasureString(f, string(r)+"…") > limit {
		r = r[:len(r)-1]
	}
	return strings.TrimSpace(string(r)) + "…"
}

func fill(img draw.Image, r image.Rectangle, c color.Color) {
	draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

// drawSilhouette draws the photo placeholder: a grey box with a head and
// shoulders.
func drawSilhouette(img *image.RGBA, r image.Rectangle) {
	fill(img, r, photo)
	cx, w, h := r.Min.X+r.Dx()/2, r.Dx(), r.Dy()
	headY, headR := r.Min.Y+h*36/100, w*22/100
	bodyY, bodyRX, bodyRY := r.Max.Y, w*40/100, h*32/100
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			dx, dy := x-cx, y-headY
			inHead := dx*dx+dy*dy <= headR*headR
			bx, by := float64(x-cx)/float64(bodyRX), float64(y-bodyY)/float64(bodyRY)
			if inHead || bx*bx+by*by <= 1 {
				img.SetRGBA(x, y, shadow)
			}
		}
	}
}

// RenderQRPNG returns text as a QR code PNG of size x size pixels (ECC
// level M, with a quiet zone), size from 64 to 4096.
func RenderQRPNG(text string, size int) ([]byte, error) {
	if size < 64 || size > 4096 {
		return nil, arogya.Errorf(arogya.EINVALID, "QR size must be 64 to 4096 pixels")
	}
	if text == "" {
		return nil, arogya.Errorf(arogya.EINVALID, "QR text is empty")
	}
	b, err := qrcode.Encode(text, qrcode.Medium, size)
	if err != nil {
		return nil, arogya.Errorf(arogya.EINVALID, "QR text is too long")
	}
	return b, nil
}

// RenderCardPDF returns the Health ID card as a one-page A6 landscape PDF
// with the same content as RenderCardPNG; the QR code is drawn as vector
// squares. Text outside Latin-1 cannot be shown by the PDF core fonts and
// comes out as '?'.
func RenderCardPDF(c Card) ([]byte, error) {
	qr, _, err := cardQR(c.QR)
	if err != nil {
		return nil, err
	}
	pdf := fpdf.New("L", "mm", "A6", "")
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetCatalogSort(true) // deterministic output
	if !c.IssuedAt.IsZero() {
		pdf.SetCreationDate(c.IssuedAt)
		pdf.SetModificationDate(c.IssuedAt)
	}
	pdf.SetTitle("ABHA Health ID card", true)
	pdf.SetCreator("Arogya", true)
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	pdf.AddPage()
	const w, h = 148.0, 105.0

	pdf.SetFillColor(int(navy.R), int(navy.G), int(navy.B))
	pdf.Rect(0, 0, w, 18, "F")
	pdf.SetFillColor(int(orange.R), int(orange.G), int(orange.B))
	pdf.Rect(0, 18, w, 1.2, "F")
	pdf.SetTextColor(255, 255, 255)
	pdf.SetFont("Helvetica", "B", 14)
	pdf.Text(6, 8.5, "Ayushman Bharat Health Account")
	pdf.SetFont("Helvetica", "", 10)
	pdf.Text(6, 14.5, "ABHA Health ID card")

	// Photo placeholder.
	pdf.SetFillColor(int(photo.R), int(photo.G), int(photo.B))
	pdf.Rect(6, 24, 22, 27, "F")
	pdf.SetFillColor(int(shadow.R), int(shadow.G), int(shadow.B))
	pdf.Circle(17, 33, 5, "F")
	pdf.Ellipse(17, 51, 9, 8, 0, "F")
	pdf.SetFillColor(255, 255, 255)
	pdf.Rect(5, 51, 24, 9, "F") // trims the shoulders to the box

	text := func(x, y float64, style string, size float64, col color.RGBA, s string, maxW float64) {
		pdf.SetFont("Helvetica", style, size)
		pdf.SetTextColor(int(col.R), int(col.G), int(col.B))
		s = tr(s) // cp1252 bytes from here on
		if pdf.GetStringWidth(s) > maxW {
			for len(s) > 0 && pdf.GetStringWidth(s+"...") > maxW {
				s = s[:len(s)-1]
			}
			s += "..."
		}
		pdf.Text(x, y, s)
	}
	text(32, 28, "B", 12, ink, c.Name, 52)
	y := 35.0
	for _, f := range c.fields() {
		text(32, y, "", 7, muted, f[0], 52)
		text(32, y+4, "B", 9, ink, f[1], 52)
		y += 9.5
	}
	text(6, 72, "", 8, muted, "ABHA number", 80)
	text(6, 79, "B", 15, navy, c.Number, 80)
	text(6, 86, "", 8, muted, "ABHA address", 80)
	text(6, 92, "B", 11, ink, c.Address, 80)
	if !c.IssuedAt.IsZero() {
		text(6, 100, "", 7, muted, "Issued "+c.IssuedAt.UTC().Format("02 Jan 2006"), 80)
	}

	// QR code: runs of dark modules as filled rectangles.
	const qrSize = 58.0
	m := qrSize / float64(len(qr)+4)
	x0, y0 := w-qrSize-4+2*m, 22+2*m
	pdf.SetFillColor(0, 0, 0)
	for r, row := range qr {
		for col := 0; col < len(row); {
			if !row[col] {
				col++
				continue
			}
			start := col
			for col < len(row) && row[col] {
				col++
			}
			pdf.Rect(x0+float64(start)*m, y0+float64(r)*m, float64(col-start)*m, m, "F")
		}
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("abha: render card PDF: %w", err)
	}
	return buf.Bytes(), nil
}
