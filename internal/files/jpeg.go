package files

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
)

// JPEG markers (ITU T.81, B.1.1.3).
const (
	markerSOI  = 0xD8
	markerSOS  = 0xDA
	markerAPP1 = 0xE1 // EXIF and XMP: camera, time, often GPS position
	markerAPPD = 0xED // Photoshop IRB with IPTC: author, place
	markerCOM  = 0xFE
)

// stripJPEG copies a JPEG from src to dst without its APP1, APP13 and
// comment segments, which carry EXIF (GPS position, camera serial), XMP and
// IPTC metadata, streaming: only the segments before the image data are
// parsed, and everything from the start of scan on is copied as is up to
// the end-of-image marker; what follows it is dropped (the second image of
// an MPO, with metadata of its own, or a ZIP appended to make a polyglot). The
// pixels are untouched, so nothing is lost to re-encoding. EXIF orientation
// goes with the rest; clients show the image as stored.
func stripJPEG(dst io.Writer, src *bufio.Reader) error {
	var soi [2]byte
	if _, err := io.ReadFull(src, soi[:]); err != nil {
		return ErrBadImage
	}
	if soi[0] != 0xFF || soi[1] != markerSOI {
		return ErrBadImage
	}
	if _, err := dst.Write(soi[:]); err != nil {
		return err
	}
	for {
		marker, err := nextMarker(src)
		if err != nil {
			return err
		}
		var lenb [2]byte
		if _, err := io.ReadFull(src, lenb[:]); err != nil {
			return badJPEG(err)
		}
		n := int64(binary.BigEndian.Uint16(lenb[:]))
		if n < 2 {
			return ErrBadImage
		}
		body := io.LimitReader(src, n-2)
		if marker == markerAPP1 || marker == markerAPPD || marker == markerCOM {
			if m, err := io.Copy(io.Discard, body); err != nil || m != n-2 {
				return badJPEG(err)
			}
			continue
		}
		if _, err := dst.Write([]byte{0xFF, marker, lenb[0], lenb[1]}); err != nil {
			return err
		}
		if m, err := io.Copy(dst, body); err != nil || m != n-2 {
			return badJPEG(err)
		}
		if marker == markerSOS {
			return copyToEOI(dst, src)
		}
	}
}

// nextMarker reads a marker, skipping fill bytes (0xFF repeated).
func nextMarker(src *bufio.Reader) (byte, error) {
	b, err := src.ReadByte()
	if err != nil {
		return 0, badJPEG(err)
	}
	if b != 0xFF {
		return 0, ErrBadImage
	}
	for {
		b, err = src.ReadByte()
		if err != nil {
			return 0, badJPEG(err)
		}
		if b != 0xFF {
			break
		}
	}
	// Markers without a length (TEM, RSTn, SOI, EOI) cannot come before
	// the start of scan in a well-formed file.
	if b == 0x00 || b == 0x01 || (b >= 0xD0 && b <= 0xD9) {
		return 0, ErrBadImage
	}
	return b, nil
}

// badJPEG keeps the source's own error (a truncated upload) and calls the
// rest a bad image.
func badJPEG(err error) error {
	if err == nil || err == io.EOF {
		return ErrBadImage
	}
	if err == io.ErrUnexpectedEOF {
		return ErrBadImage
	}
	return fmt.Errorf("jpeg: %w", err)
}

// markerEOI ends a JPEG.
const markerEOI = 0xD9

// copyToEOI copies the scans (entropy-coded data, where a 0xFF byte is
// always followed by 0x00, a restart or another marker) up to and including
// the end-of-image marker, and reads and drops what follows. A file that
// ends without one is kept as it is: decoders show such truncated images.
func copyToEOI(dst io.Writer, src *bufio.Reader) error {
	buf := make([]byte, 32<<10)
	prevFF := false
	for {
		n, err := src.Read(buf)
		chunk := buf[:n]
		for i, b := range chunk {
			if prevFF && b == markerEOI {
				if _, werr := dst.Write(chunk[:i+1]); werr != nil {
					return werr
				}
				_, err := io.Copy(io.Discard, src)
				return err
			}
			prevFF = b == 0xFF
		}
		if _, werr := dst.Write(chunk); werr != nil {
			return werr
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
