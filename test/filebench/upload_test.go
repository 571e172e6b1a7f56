// Package filebench measures uploads against a real `parley serve`
// process: throughput and the server's memory while many large files
// stream in at once. It is a measurement, not a check of behaviour, so it
// runs only when asked (PARLEY_FILE_BENCH=1); docs/benchmarks.md has the
// figures and the command.
package filebench

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/server/servertest"
)

// envInt reads a positive integer setting of the measurement.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// TestConcurrentUploads uploads PARLEY_FILE_BENCH_N files (20) of
// PARLEY_FILE_BENCH_MB MiB (50) at once, one per user, and reports the
// aggregate throughput and the server's resident memory: before, the peak
// sampled during the uploads, and the kernel's high-water mark.
func TestConcurrentUploads(t *testing.T) {
	if os.Getenv("PARLEY_FILE_BENCH") == "" {
		t.Skip("a measurement: set PARLEY_FILE_BENCH=1 to run it (docs/benchmarks.md)")
	}
	n, mb := envInt("PARLEY_FILE_BENCH_N", 20), envInt("PARLEY_FILE_BENCH_MB", 50)
	size := mb << 20
	p := servertest.StartProcess(t, t.TempDir(), fmt.Sprintf("PARLEY_FILE_MAX_SIZE=%d", size+1))
	tokens := make([]string, n)
	for i := range tokens {
		c, err := servertest.DialAddr(t, p.Addr, "")
		if err != nil {
			t.Fatal(err)
		}
		c.Hi()
		if ctrl := c.Signup(fmt.Sprintf("up%d", i), "pass123"); ctrl.Code() != 200 {
			t.Fatalf("signup: %v", ctrl)
		}
		tokens[i] = c.Token
		c.Close()
	}
	data := make([]byte, size)
	rand.Read(data)
	before := rss(t, p.PID(), "VmRSS")

	var peak int
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			peak = max(peak, rss(t, p.PID(), "VmRSS"))
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond): // the sampling interval
			}
		}
	}()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for _, tok := range tokens {
		wg.Go(func() { errs <- uploadStream(p.Addr, tok, data) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stop)
	<-sampled
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	total := float64(n*size) / (1 << 20)
	t.Logf("%d uploads of %d MiB in %v: %.0f MiB/s; server RSS before %d MiB, peak sampled %d MiB, high-water mark %d MiB",
		n, mb, elapsed.Round(time.Millisecond), total/elapsed.Seconds(), before>>10, peak>>10, rss(t, p.PID(), "VmHWM")>>10)
}

// uploadStream posts data as a multipart form, streamed through a pipe as
// a browser sends a file: the client does not build the body in memory.
func uploadStream(addr, token string, data []byte) error {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		fw, err := mw.CreateFormFile("file", "big.bin")
		if err == nil {
			_, err = io.Copy(fw, bytes.NewReader(data))
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/v0/file/u/", pr)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-Tinode-Auth", "Token "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return fmt.Errorf("upload: HTTP %d %s", resp.StatusCode, body)
	}
	return nil
}

// rss reads a memory line (VmRSS, VmHWM) of /proc/pid/status, in KiB.
func rss(t *testing.T, pid int, key string) int {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("reading the server's memory: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key+":"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return kb
		}
	}
	t.Fatalf("no %s in /proc/%d/status", key, pid)
	return 0
}
