// Package files stores uploaded files and checks what they are. The bytes
// go to a Blobs store (a directory by default; an S3-compatible adapter can
// implement the same interface), streamed, never held whole in memory; the
// records about them are the store's Files role. Inspect decides a file's
// type from its content, whatever the client claimed.
package files

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ErrNotFound is returned by Open and Remove for a blob that does not exist.
var ErrNotFound = errors.New("files: no such blob")

// Blobs keeps the bytes of files by id. Ids are NewID's: plain [a-z2-7].
type Blobs interface {
	// Create starts writing the blob id. Nothing is visible under id until
	// Commit; Abort (or a failed Commit) leaves nothing behind.
	Create(id string) (Pending, error)
	// Open returns the committed blob id, or ErrNotFound.
	Open(id string) (Blob, error)
	// Remove deletes the blob id; ErrNotFound if there is none.
	Remove(id string) error
}

// Pending is a blob being written.
type Pending interface {
	io.Writer
	Commit() error
	Abort()
}

// Blob is a committed blob, read with seeks (HTTP range requests need them).
type Blob interface {
	io.ReadSeekCloser
	Size() int64
}

// NewID returns a random file id: 128 bits in 26 lowercase letters and
// digits, safe in a URL and a file name, and unguessable.
func NewID() string {
	var b [16]byte
	rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// ValidID reports whether id could be one of NewID's, so nothing else
// (a "../" above all) ever reaches a path.
func ValidID(id string) bool {
	if len(id) != 26 {
		return false
	}
	for _, c := range id {
		if (c < 'a' || c > 'z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}

// Dir is Blobs in a local directory: blob id at dir/id[:2]/id, written to
// dir/tmp first and renamed into place on Commit.
type Dir struct{ root string }

// OpenDir prepares dir and removes what uploads interrupted by a crash left
// in its tmp folder.
func OpenDir(dir string) (*Dir, error) {
	tmp := filepath.Join(dir, "tmp")
	if err := os.RemoveAll(tmp); err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	if err := os.MkdirAll(tmp, 0o750); err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	return &Dir{root: dir}, nil
}

func (d *Dir) path(id string) (string, error) {
	if !ValidID(id) {
		return "", fmt.Errorf("files: invalid id %q", id)
	}
	return filepath.Join(d.root, id[:2], id), nil
}

// Create opens a temporary file for id.
func (d *Dir) Create(id string) (Pending, error) {
	final, err := d.path(id)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(filepath.Join(d.root, "tmp"), id+"-*")
	if err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	return &dirPending{f: f, final: final}, nil
}

// Open opens the committed blob.
func (d *Dir) Open(id string) (Blob, error) {
	p, err := d.path(id)
	if err != nil {
		return nil, ErrNotFound
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("files: %w", err)
	}
	return &dirBlob{File: f, size: st.Size()}, nil
}

// Remove deletes the blob.
func (d *Dir) Remove(id string) error {
	p, err := d.path(id)
	if err != nil {
		return ErrNotFound
	}
	err = os.Remove(p)
	if errors.Is(err, os.ErrNotExist) {
		return ErrNotFound
	}
	return err
}

type dirBlob struct {
	*os.File
	size int64
}

func (b *dirBlob) Size() int64 { return b.size }

type dirPending struct {
	f     *os.File
	final string
}

func (p *dirPending) Write(b []byte) (int, error) { return p.f.Write(b) }

// Commit makes the blob durable before it is named: a record that says a
// file exists must not outlive its bytes in a crash.
func (p *dirPending) Commit() error {
	err := p.f.Sync()
	if cerr := p.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.MkdirAll(filepath.Dir(p.final), 0o750)
	}
	if err == nil {
		err = os.Rename(p.f.Name(), p.final)
	}
	if err != nil {
		os.Remove(p.f.Name())
		return fmt.Errorf("files: %w", err)
	}
	return nil
}

func (p *dirPending) Abort() {
	p.f.Close()
	os.Remove(p.f.Name())
}
