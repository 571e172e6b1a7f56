package security

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/server/servertest"
)

// upload posts one file as tinode-sdk's LargeFileHelper does (a multipart
// form with "file" then "id", the token in X-Tinode-Auth) and returns the
// HTTP status and the body's ctrl.
func upload(t *testing.T, addr, token, name, ctype string, data []byte) (int, msg) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, name))
	if ctype != "" {
		h.Set("Content-Type", ctype)
	}
	pw, _ := mw.CreatePart(h)
	pw.Write(data)
	mw.WriteField("id", "42")
	mw.Close()
	return sendUpload(t, addr, token, mw.FormDataContentType(), body.Bytes())
}

func sendUpload(t *testing.T, addr, token, ctype string, body []byte) (int, msg) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/v0/file/u/", bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	if token != "" {
		req.Header.Set("X-Tinode-Auth", "Token "+token)
	}
	resp, err := httpClient("").Do(req)
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	defer resp.Body.Close()
	var m msg
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("upload: HTTP %d, body %q is not JSON", resp.StatusCode, b)
	}
	return resp.StatusCode, m.Obj("ctrl")
}

// download GETs a file URL as token's user.
func download(t *testing.T, addr, token, url string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+url, nil)
	if token != "" {
		req.Header.Set("X-Tinode-Auth", "Token "+token)
	}
	resp, err := httpClient("").Do(req)
	if err != nil {
		t.Fatalf("download: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// storedBlobs counts the files under the data directory's file storage,
// its tmp folder included: what an upload left behind.
func storedBlobs(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(filepath.Join(dir, "files"), func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func encodePNG(w, h int) []byte {
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h)))
	return b.Bytes()
}

// exifJPEG is a JPEG carrying an APP1 (EXIF) segment with a marker string.
func exifJPEG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	img.Set(3, 3, color.RGBA{200, 10, 10, 255})
	var b bytes.Buffer
	jpeg.Encode(&b, img, nil)
	raw := b.Bytes()
	payload := []byte("Exif\x00\x00GPS:48.8584N,2.2945E")
	seg := append([]byte{0xFF, 0xE1, 0, byte(len(payload) + 2)}, payload...)
	return append(append(append([]byte{}, raw[:2]...), seg...), raw[2:]...)
}

// Files reach the members of the conversation they were sent to and no one
// else; every bad upload gets its documented code and leaves nothing
// behind.
func TestFilesUploadAndMembership(t *testing.T) {
	p := startServer(t, "PARLEY_FILE_MAX_SIZE=1048576", "PARLEY_FILE_MAX_PIXELS=1000000")
	alice, bob, eve := user(t, p, "alice"), user(t, p, "bob"), user(t, p, "eve")
	if ctrl := alice.Sub(bob.User); ctrl.Code() >= 300 {
		t.Fatalf("sub: %v", ctrl)
	}

	pic := encodePNG(64, 48)
	code, ctrl := upload(t, p.Addr, alice.Token, "parcel.png", "image/png", pic)
	url, _ := ctrl.Get("params.url").(string)
	if code != 200 || !strings.HasPrefix(url, "/v0/file/s/") || ctrl["id"] != "42" ||
		ctrl.Int("params.width") != 64 || ctrl.Int("params.height") != 48 {
		t.Fatalf("upload: HTTP %d %v", code, ctrl)
	}
	// A preview comes with it, the uploader's until a message sends it.
	preURL, _ := ctrl.Get("params.preview").(string)
	if resp, body := download(t, p.Addr, alice.Token, preURL); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("preview %q: HTTP %d", preURL, resp.StatusCode)
	} else if cfg, err := jpeg.DecodeConfig(bytes.NewReader(body)); err != nil || cfg.Width != 64 || cfg.Height != 48 {
		t.Fatalf("preview of a 64×48 image: %+v %v", cfg, err)
	}
	// Before it is sent, only the uploader may read it.
	if resp, _ := download(t, p.Addr, bob.Token, url); resp.StatusCode != 403 {
		t.Fatalf("bob read an unsent upload: HTTP %d", resp.StatusCode)
	}
	id := alice.ID()
	pub := msg{"pub": msg{"id": id, "topic": bob.User, "head": msg{"attachments": []string{url}},
		"content": msg{"txt": " ", "fmt": []msg{{"at": -1, "len": 0, "key": 0}},
			"ent": []msg{{"tp": "IM", "data": msg{"mime": "image/png", "ref": url, "width": 64, "height": 48}}}}}}
	if ctrl := alice.Request(id, pub); ctrl.Code() != 202 {
		t.Fatalf("pub with attachment: %v", ctrl)
	}

	resp, body := download(t, p.Addr, bob.Token, url)
	if resp.StatusCode != 200 || !bytes.Equal(body, pic) {
		t.Fatalf("bob's download: HTTP %d, %d bytes", resp.StatusCode, len(body))
	}
	for k, want := range map[string]string{"Content-Type": "image/png", "X-Content-Type-Options": "nosniff",
		"Content-Disposition": `inline; filename=parcel.png`} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if resp, _ := download(t, p.Addr, bob.Token, url+"?asatt=1"); !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("asatt=1: Content-Disposition %q", resp.Header.Get("Content-Disposition"))
	}
	// Browsers load <img> URLs with the token in the query.
	if resp, _ := download(t, p.Addr, "", url+"?auth=token&secret="+bob.Token); resp.StatusCode != 200 {
		t.Errorf("token in the query: HTTP %d", resp.StatusCode)
	}
	if resp, body := download(t, p.Addr, eve.Token, url); resp.StatusCode != 403 || ctrlCode(string(body)) != 403 {
		t.Errorf("eve, not a member: HTTP %d %s, want 403", resp.StatusCode, body)
	}
	if resp, _ := download(t, p.Addr, "", url); resp.StatusCode != 401 {
		t.Errorf("no token: HTTP %d, want 401", resp.StatusCode)
	}
	for _, bad := range []string{"/v0/file/s/../parley.db", "/v0/file/s/%2e%2e%2fparley.db", "/v0/file/s/aaaaaaaaaaaaaaaaaaaaaaaaaa.png"} {
		if resp, _ := download(t, p.Addr, bob.Token, bad); resp.StatusCode != 404 {
			t.Errorf("GET %s: HTTP %d, want 404", bad, resp.StatusCode)
		}
	}
	// eve cannot make alice's file hers by naming it in her own message.
	eve.Sub(alice.User)
	id = eve.ID()
	eve.Request(id, msg{"pub": msg{"id": id, "topic": alice.User, "head": msg{"attachments": []string{url}}, "content": "look"}})
	if resp, _ := download(t, p.Addr, eve.Token, url); resp.StatusCode != 403 {
		t.Errorf("eve read a file she only named: HTTP %d", resp.StatusCode)
	}

	// head.attachments is a short list of strings, or the pub is malformed.
	for _, bad := range []any{"x", []int{1}, make([]string, 17)} {
		id := alice.ID()
		ctrl := alice.Request(id, msg{"pub": msg{"id": id, "topic": bob.User, "head": msg{"attachments": bad}, "content": "x"}})
		if ctrl.Code() != 400 {
			t.Errorf("attachments %v: %v, want 400", bad, ctrl)
		}
	}

	kept := storedBlobs(t, p.Dir)
	truncated := func() (string, []byte) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		fw, _ := mw.CreateFormFile("file", "big.bin")
		fw.Write(bytes.Repeat([]byte{7}, 20000))
		return mw.FormDataContentType(), b.Bytes()[:b.Len()-100] // no closing boundary
	}
	for _, tc := range []struct {
		name, file, ctype string
		data              []byte
		status            int
		text              string
	}{
		{"path traversal", "../../../etc/cron.d/x", "", []byte("hi"), 400, "bad file name"},
		{"backslash traversal", `..\..\boot.ini`, "", []byte("hi"), 400, "bad file name"},
		{"HTML as an image", "cat.png", "image/png", []byte("<html><script>alert(document.cookie)</script>"), 415, "HTML, XML and SVG files are not accepted"},
		{"SVG", "logo.svg", "image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), 415, "HTML, XML and SVG files are not accepted"},
		{"a lying type", "photo.jpg", "image/jpeg", encodePNG(8, 8), 415, "content does not match the declared type"},
		{"oversized", "huge.bin", "", bytes.Repeat([]byte{1}, 1100000), 413, "file too large"},
		{"decompression bomb", "bomb.png", "image/png", encodePNG(3000, 3000), 422, "image has too many pixels"},
		{"empty", "nothing.txt", "", nil, 400, "empty file"},
	} {
		code, ctrl := upload(t, p.Addr, alice.Token, tc.file, tc.ctype, tc.data)
		if code != tc.status || ctrl.Code() != tc.status || ctrl["text"] != tc.text {
			t.Errorf("%s: HTTP %d %v, want %d %q", tc.name, code, ctrl, tc.status, tc.text)
		}
	}
	ctype, body := truncated()
	if code, ctrl := sendUpload(t, p.Addr, alice.Token, ctype, body); code != 400 || ctrl["text"] != "upload truncated" {
		t.Errorf("truncated: HTTP %d %v, want 400 upload truncated", code, ctrl)
	}
	if n := storedBlobs(t, p.Dir); n != kept {
		t.Errorf("refused uploads left %d files behind", n-kept)
	}
}

// JPEG metadata (EXIF: GPS position, camera) is removed before the file is
// stored; the image itself is intact.
func TestFilesEXIFRemoved(t *testing.T) {
	p := startServer(t)
	alice := user(t, p, "alice")
	code, ctrl := upload(t, p.Addr, alice.Token, "IMG_0001.JPG", "image/jpeg", exifJPEG())
	url, _ := ctrl.Get("params.url").(string)
	if code != 200 {
		t.Fatalf("upload: HTTP %d %v", code, ctrl)
	}
	resp, body := download(t, p.Addr, alice.Token, url)
	if resp.StatusCode != 200 || bytes.Contains(body, []byte("GPS:")) {
		t.Fatalf("download: HTTP %d, EXIF kept: %v", resp.StatusCode, bytes.Contains(body, []byte("GPS:")))
	}
	if cfg, err := jpeg.DecodeConfig(bytes.NewReader(body)); err != nil || cfg.Width != 16 {
		t.Fatalf("stored JPEG: %v %v", cfg, err)
	}
}

// Uploads never sent are removed after file_unsent_ttl, and a user cannot
// pile up more than file_max_pending of them meanwhile.
func TestFilesUnsentCollected(t *testing.T) {
	p := startServer(t, "PARLEY_FILE_UNSENT_TTL=1s", "PARLEY_FILE_MAX_PENDING=2")
	alice := user(t, p, "alice")
	var urls []string
	for range 2 {
		code, ctrl := upload(t, p.Addr, alice.Token, "a.txt", "text/plain", []byte("draft"))
		if code != 200 {
			t.Fatalf("upload: HTTP %d %v", code, ctrl)
		}
		urls = append(urls, ctrl.Get("params.url").(string))
	}
	if code, ctrl := upload(t, p.Addr, alice.Token, "a.txt", "", []byte("one more")); code != 429 || ctrl["text"] != "too many uploads not yet sent" {
		t.Fatalf("third pending upload: HTTP %d %v, want 429", code, ctrl)
	}
	for deadline := time.Now().Add(servertest.Timeout); storedBlobs(t, p.Dir) > 0; {
		if time.Now().After(deadline) {
			t.Fatalf("unsent uploads still stored after %v", servertest.Timeout)
		}
		time.Sleep(50 * time.Millisecond) // the poll's interval
	}
	if resp, _ := download(t, p.Addr, alice.Token, urls[0]); resp.StatusCode != 404 {
		t.Errorf("a collected upload: HTTP %d, want 404", resp.StatusCode)
	}
	if code, _ := upload(t, p.Addr, alice.Token, "a.txt", "", []byte("again")); code != 200 {
		t.Errorf("upload after the collection: HTTP %d", code)
	}
}
