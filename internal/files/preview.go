package files

import (
	"errors"
	"image"
	"image/jpeg"
	"io"

	"golang.org/x/image/draw"
)

// PreviewSide is the longest side of a preview, in pixels: enough for a
// chat bubble, a few KB as JPEG.
const PreviewSide = 256

// previewQuality is the JPEG quality of previews.
const previewQuality = 75

// ErrNoPreview is returned for images too large to decode for a preview.
var ErrNoPreview = errors.New("files: image too large for a preview")

// Preview decodes the image from src and writes a JPEG of it scaled to fit
// PreviewSide × PreviewSide (never enlarged). Decoding holds the whole
// image in memory, so images over maxPixels are refused with ErrNoPreview
// before decoding; callers also bound how many previews run at once.
func Preview(dst io.Writer, src io.ReadSeeker, maxPixels int) (w, h int, err error) {
	cfg, _, err := image.DecodeConfig(src)
	if err != nil {
		return 0, 0, ErrBadImage
	}
	if int64(cfg.Width)*int64(cfg.Height) > int64(maxPixels) {
		return 0, 0, ErrNoPreview
	}
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return 0, 0, err
	}
	img, _, err := image.Decode(src)
	if err != nil {
		return 0, 0, ErrBadImage
	}
	w, h = fit(img.Bounds().Dx(), img.Bounds().Dy(), PreviewSide)
	small := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.ApproxBiLinear.Scale(small, small.Bounds(), img, img.Bounds(), draw.Src, nil)
	return w, h, jpeg.Encode(dst, small, &jpeg.Options{Quality: previewQuality})
}

// fit scales w×h down to fit side×side, keeping the aspect ratio and at
// least one pixel per side.
func fit(w, h, side int) (int, int) {
	if w <= side && h <= side {
		return w, h
	}
	if w >= h {
		return side, max(1, h*side/w)
	}
	return max(1, w*side/h), side
}
