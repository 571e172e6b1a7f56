package files

import (
	"bufio"
	"bytes"
	"errors"
	"image"
	_ "image/gif" // image.DecodeConfig formats
	_ "image/jpeg"
	_ "image/png"
	"io"
	"mime"
	"net/http"
	"strings"

	_ "golang.org/x/image/webp"
)

// The reasons Copy refuses a file. Each has its own code on the wire
// (docs/protocol.md, "Files").
var (
	ErrEmpty      = errors.New("empty file")
	ErrTooLarge   = errors.New("file too large")
	ErrActive     = errors.New("HTML, XML and SVG files are not accepted")
	ErrTypeLies   = errors.New("content does not match the declared type")
	ErrBadImage   = errors.New("image cannot be read")
	ErrTooManyPix = errors.New("image has too many pixels")
)

// sniffLen is what net/http.DetectContentType looks at.
const sniffLen = 512

// imageHeadLen bounds the start of an image kept in memory to read its
// dimensions: the header must be within it (JPEG's frame header follows the
// tables and any APPn segments left after EXIF is stripped).
const imageHeadLen = 256 << 10

// images are the raster types accepted as images: their dimensions are
// read and checked, and they are served inline.
var images = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// active are types a browser would run or render as a document.
var active = map[string]bool{"text/html": true, "text/xml": true, "application/xml": true,
	"image/svg+xml": true, "application/xhtml+xml": true}

// Limits bound what one upload may be.
type Limits struct {
	MaxSize   int64 // bytes as uploaded
	MaxPixels int   // width × height of an image
}

// Info is what Copy learnt about a file.
type Info struct {
	MimeType      string
	Size          int64 // bytes stored (EXIF removed)
	Width, Height int   // images only
}

// IsImage reports whether mimeType is an accepted raster image type.
func IsImage(mimeType string) bool { return images[mimeType] }

// Copy streams src to dst, deciding the type from the content and checking
// it against declared (the client's Content-Type, possibly empty): HTML,
// XML and SVG are refused, a file declared as an image must be the image it
// says, and an image's dimensions must fit lim.MaxPixels. JPEG loses its
// EXIF and other metadata segments on the way. An error from src (a
// truncated body) is returned as is. On any error dst holds garbage the
// caller discards.
func Copy(dst io.Writer, src io.Reader, declared string, lim Limits) (Info, error) {
	counted := &limitReader{r: src, left: lim.MaxSize + 1}
	br := bufio.NewReaderSize(counted, 32<<10)
	head, err := br.Peek(sniffLen)
	if err != nil && err != io.EOF {
		return Info{}, err
	}
	if counted.left <= 0 {
		return Info{}, ErrTooLarge
	}
	if len(head) == 0 {
		return Info{}, ErrEmpty
	}
	kind, err := classify(head, declared)
	if err != nil {
		return Info{}, err
	}
	out := &countWriter{w: dst}
	var w io.Writer = out
	var imgHead *capped
	if images[kind] {
		imgHead = &capped{max: imageHeadLen}
		w = io.MultiWriter(out, imgHead)
	}
	if kind == "image/jpeg" {
		err = stripJPEG(w, br)
	} else {
		_, err = io.Copy(w, br)
	}
	if counted.left <= 0 {
		return Info{}, ErrTooLarge
	}
	if counted.err != nil {
		return Info{}, counted.err // the upload broke off: say so, not "bad image"
	}
	if err != nil {
		return Info{}, err
	}
	info := Info{MimeType: kind, Size: out.n}
	if imgHead != nil {
		cfg, _, err := image.DecodeConfig(bytes.NewReader(imgHead.buf.Bytes()))
		if err != nil {
			return Info{}, ErrBadImage
		}
		if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > int64(lim.MaxPixels) {
			return Info{}, ErrTooManyPix
		}
		info.Width, info.Height = cfg.Width, cfg.Height
	}
	return info, nil
}

// classify returns the stored type of a file starting with head.
func classify(head []byte, declared string) (string, error) {
	sniffed := baseType(http.DetectContentType(head))
	claimed := baseType(declared)
	if claimed == "image/jpg" || claimed == "image/pjpeg" {
		claimed = "image/jpeg"
	}
	switch {
	case active[sniffed] || active[claimed] || looksLikeSVG(head):
		return "", ErrActive
	case strings.HasPrefix(claimed, "image/") && (claimed != sniffed || !images[sniffed]):
		return "", ErrTypeLies
	case strings.HasPrefix(sniffed, "text/plain"):
		// Served with an explicit charset, so a browser never guesses one.
		return "text/plain; charset=utf-8", nil
	}
	return sniffed, nil
}

// looksLikeSVG catches SVG without an XML declaration, which sniffs as
// plain text: it is never served as text either, since a viewer that
// ignores nosniff would run its scripts.
func looksLikeSVG(head []byte) bool {
	return bytes.Contains(bytes.ToLower(head), []byte("<svg"))
}

func baseType(t string) string {
	if t == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(t)
	if err != nil {
		return "application/octet-stream"
	}
	return mt
}

// limitReader reads at most left bytes, then reports EOF; left reaching 0
// means the source had more.
type limitReader struct {
	r    io.Reader
	left int64
	err  error // the source's error other than EOF
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if err != nil && err != io.EOF {
		l.err = err
	}
	return n, err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// capped keeps the first max bytes written to it and ignores the rest.
type capped struct {
	buf bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
