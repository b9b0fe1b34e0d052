package render

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	_ "image/png" // registers the PNG decoder

	"golang.org/x/image/draw"
)

// maxPixels bounds the pictures RenderImage decodes: 100 megapixels, about
// 400 MB of memory while decoding.
const maxPixels = 100 << 20

// RenderImage makes the screen image and thumbnail of a PNG or JPEG piece with
// the default sizes; see Engine.RenderImage.
func RenderImage(data []byte) (screen, thumb Image, err error) {
	return renderImage(Config{}.withDefaults(), data)
}

// RenderImage makes the screen image and thumbnail of a PNG or JPEG piece. A
// picture no larger than the screen size is kept as it is; a larger one is
// scaled down and stored as JPEG (PNG transparency on white). The thumbnail is
// always a JPEG. It does not need PDFium.
func (e *Engine) RenderImage(data []byte) (screen, thumb Image, err error) {
	return renderImage(e.cfg, data)
}

func renderImage(cfg Config, data []byte) (screen, thumb Image, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &Error{Reason: "The image could not be read.", Err: fmt.Errorf("panic: %v", p)}
		}
	}()
	conf, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || (format != "png" && format != "jpeg") {
		return Image{}, Image{}, &Error{Reason: "The file is not a readable PNG or JPEG image.", Err: err}
	}
	if conf.Width <= 0 || conf.Height <= 0 || int64(conf.Width)*int64(conf.Height) > maxPixels {
		return Image{}, Image{}, &Error{Reason: fmt.Sprintf("The image is too large (%d × %d pixels).", conf.Width, conf.Height)}
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return Image{}, Image{}, &Error{Reason: "The image is damaged or incomplete.", Err: err}
	}
	b := src.Bounds()
	if max(b.Dx(), b.Dy()) <= cfg.ScreenLongEdge {
		screen = Image{Data: data, MediaType: "image/" + format, Width: b.Dx(), Height: b.Dy()}
	} else if screen, err = scaleJPEG(src, cfg.ScreenLongEdge, cfg.JPEGQuality); err != nil {
		return Image{}, Image{}, err
	}
	if thumb, err = scaleJPEG(src, cfg.ThumbLongEdge, cfg.JPEGQuality); err != nil {
		return Image{}, Image{}, err
	}
	return screen, thumb, nil
}

// scaleJPEG scales src so that its long edge is at most long pixels, on a
// white background, and encodes it as JPEG.
func scaleJPEG(src image.Image, long, quality int) (Image, error) {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	if max(w, h) > long {
		w, h = fit(float64(w), float64(h), long)
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, b, draw.Over, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: quality}); err != nil {
		return Image{}, fmt.Errorf("render: encoding JPEG: %w", err)
	}
	return Image{Data: buf.Bytes(), MediaType: "image/jpeg", Width: w, Height: h}, nil
}
