package files

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"testing"
)

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// jpegWithEXIF is a JPEG with an APP1 segment holding a made-up GPS tag.
func jpegWithEXIF(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{255, 0, 0, 255})
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	raw := b.Bytes()
	payload := []byte("Exif\x00\x00GPS-SECRET-48.8584N")
	seg := []byte{0xFF, 0xE1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}
	seg = append(seg, payload...)
	return append(append(append([]byte{}, raw[:2]...), seg...), raw[2:]...)
}

func TestCopy(t *testing.T) {
	lim := Limits{MaxSize: 1 << 20, MaxPixels: 1 << 20}
	jpg := jpegWithEXIF(t)
	cases := []struct {
		name, declared string
		data           []byte
		lim            Limits
		want           string
		err            error
	}{
		{"png", "image/png", pngBytes(t, 30, 20), lim, "image/png", nil},
		{"png undeclared", "", pngBytes(t, 30, 20), lim, "image/png", nil},
		{"jpeg as jpg", "image/jpg", jpg, lim, "image/jpeg", nil},
		{"text", "text/plain", []byte("hello"), lim, "text/plain; charset=utf-8", nil},
		{"pdf", "application/pdf", []byte("%PDF-1.4\n..."), lim, "application/pdf", nil},
		{"html as image", "image/png", []byte("<html><script>alert(1)</script>"), lim, "", ErrActive},
		{"html", "", []byte("<!DOCTYPE html><p>hi"), lim, "", ErrActive},
		{"svg", "image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), lim, "", ErrActive},
		{"svg as text", "text/plain", []byte(`<svg onload="alert(1)"/>`), lim, "", ErrActive},
		{"xml svg", "image/png", []byte(`<?xml version="1.0"?><svg/>`), lim, "", ErrActive},
		{"png says jpeg", "image/jpeg", pngBytes(t, 4, 4), lim, "", ErrTypeLies},
		{"text says png", "image/png", []byte("just text"), lim, "", ErrTypeLies},
		{"too large", "", bytes.Repeat([]byte("a"), 2000), Limits{MaxSize: 1000, MaxPixels: 1}, "", ErrTooLarge},
		{"empty", "", nil, lim, "", ErrEmpty},
		{"bomb", "image/png", pngBytes(t, 2000, 1000), Limits{MaxSize: 1 << 20, MaxPixels: 1_000_000}, "", ErrTooManyPix},
		{"broken png", "image/png", pngBytes(t, 4, 4)[:20], lim, "", ErrBadImage},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			info, err := Copy(&out, bytes.NewReader(c.data), c.declared, c.lim)
			if !errors.Is(err, c.err) {
				t.Fatalf("Copy: %v, want %v", err, c.err)
			}
			if err == nil && info.MimeType != c.want {
				t.Errorf("type %q, want %q", info.MimeType, c.want)
			}
		})
	}
}

func TestCopyImageFacts(t *testing.T) {
	var out bytes.Buffer
	info, err := Copy(&out, bytes.NewReader(pngBytes(t, 30, 20)), "", Limits{MaxSize: 1 << 20, MaxPixels: 600})
	if err != nil || info.Width != 30 || info.Height != 20 || info.Size != int64(out.Len()) {
		t.Fatalf("Copy = %+v, %v; want 30×20, size %d", info, err, out.Len())
	}
}

func TestCopyStripsEXIF(t *testing.T) {
	src := jpegWithEXIF(t)
	var out bytes.Buffer
	info, err := Copy(&out, bytes.NewReader(src), "image/jpeg", Limits{MaxSize: 1 << 20, MaxPixels: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out.Bytes(), []byte("GPS-SECRET")) {
		t.Error("the stored JPEG still holds its EXIF")
	}
	if info.Width != 8 || info.Height != 8 {
		t.Errorf("dimensions %d×%d, want 8×8", info.Width, info.Height)
	}
	if _, err := jpeg.Decode(bytes.NewReader(out.Bytes())); err != nil {
		t.Errorf("the stripped JPEG does not decode: %v", err)
	}
}

// A source that breaks off is reported as itself, not as a bad image.
func TestCopyTruncatedSource(t *testing.T) {
	src := io.MultiReader(bytes.NewReader(jpegWithEXIF(t)[:100]), errReader{io.ErrUnexpectedEOF})
	_, err := Copy(io.Discard, src, "image/jpeg", Limits{MaxSize: 1 << 20, MaxPixels: 1 << 20})
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("Copy: %v, want io.ErrUnexpectedEOF", err)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestValidID(t *testing.T) {
	if id := NewID(); !ValidID(id) {
		t.Errorf("NewID %q is not valid", id)
	}
	for _, bad := range []string{"", "../../../../etc/passwd", strings.Repeat("A", 26), strings.Repeat("a", 25) + "/"} {
		if ValidID(bad) {
			t.Errorf("ValidID(%q)", bad)
		}
	}
}

func TestDir(t *testing.T) {
	d, err := OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	id := NewID()
	p, err := d.Create(id)
	if err != nil {
		t.Fatal(err)
	}
	p.Write([]byte("data"))
	if _, err := d.Open(id); !errors.Is(err, ErrNotFound) {
		t.Errorf("a blob is visible before Commit: %v", err)
	}
	if err := p.Commit(); err != nil {
		t.Fatal(err)
	}
	b, err := d.Open(id)
	if err != nil || b.Size() != 4 {
		t.Fatalf("Open = %v, %v", b, err)
	}
	b.Close()
	if err := d.Remove(id); err != nil {
		t.Fatal(err)
	}
	if err := d.Remove(id); !errors.Is(err, ErrNotFound) {
		t.Errorf("Remove twice: %v", err)
	}
	a, _ := d.Create(NewID())
	a.Write([]byte("x"))
	a.Abort()
	if _, err := d.Open("../x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open(../x): %v", err)
	}
}

func TestPreview(t *testing.T) {
	var out bytes.Buffer
	w, h, err := Preview(&out, bytes.NewReader(pngBytes(t, 1000, 500)), 1_000_000)
	if err != nil || w != PreviewSide || h != PreviewSide/2 {
		t.Fatalf("Preview = %d×%d, %v; want %d×%d", w, h, err, PreviewSide, PreviewSide/2)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(out.Bytes()))
	if err != nil || cfg.Width != w || cfg.Height != h {
		t.Fatalf("preview JPEG: %+v, %v", cfg, err)
	}
	if _, _, err := Preview(io.Discard, bytes.NewReader(pngBytes(t, 1000, 500)), 400_000); !errors.Is(err, ErrNoPreview) {
		t.Errorf("over the decode bound: %v, want ErrNoPreview", err)
	}
	if w, h, _ := Preview(io.Discard, bytes.NewReader(pngBytes(t, 10, 300)), 1_000_000); w != 8 || h != 256 {
		t.Errorf("tall image: %d×%d, want 8×256", w, h)
	}
}

// What follows a JPEG's end (an MPO's second image with its own EXIF, a
// ZIP appended to make a polyglot) is not stored.
func TestCopyDropsAfterEOI(t *testing.T) {
	src := append(jpegWithEXIF(t), []byte("PK\x03\x04 trailing zip GPS-SECRET-2")...)
	var out bytes.Buffer
	if _, err := Copy(&out, bytes.NewReader(src), "image/jpeg", Limits{MaxSize: 1 << 20, MaxPixels: 1 << 20}); err != nil {
		t.Fatal(err)
	}
	b := out.Bytes()
	if bytes.Contains(b, []byte("PK")) || !bytes.HasSuffix(b, []byte{0xFF, 0xD9}) {
		t.Errorf("stored JPEG ends with %q, want the end-of-image marker", b[max(0, len(b)-16):])
	}
}
