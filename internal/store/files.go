package store

import (
	"context"
	"time"

	"github.com/parley-im/parley/internal/proto"
)

// File is the record of one uploaded file. The bytes themselves live in a
// blob store under ID; the record says who uploaded them, what they are,
// and (through links) which conversations may read them.
type File struct {
	ID        string // random, URL-safe; also the blob's name
	Owner     proto.Uid
	CreatedAt time.Time
	MimeType  string // sniffed from the content, never the client's word
	Size      int64
	Name      string // the client's file name, cleaned; only for Content-Disposition
	Width     int    // images only, else 0
	Height    int
	// Topics lists the topics a message linked the file to, sorted. Empty
	// until the file is first sent.
	Topics []string
}

// Files keeps upload records and their links to conversations. An upload no
// message refers to is garbage after a while; once a message links it to a
// topic, it lives as long as the topic.
type Files interface {
	// CreateFile stores a new record (Topics is ignored). ErrDuplicate if the
	// id is taken.
	CreateFile(ctx context.Context, f *File) error
	// GetFile returns the record with its links, or ErrNotFound.
	GetFile(ctx context.Context, id string) (*File, error)
	// LinkFiles links to topic those of ids that user uploaded or that are
	// already linked to topic, and returns how many it linked or found
	// linked; other ids are ignored (a user cannot claim someone else's
	// file by naming it). ErrNotFound if the topic does not exist.
	LinkFiles(ctx context.Context, topic string, user proto.Uid, ids []string) (int, error)
	// PendingFiles counts the user's uploads not linked to any topic.
	PendingFiles(ctx context.Context, owner proto.Uid) (int, error)
	// UnlinkedFiles lists up to limit ids of files created before before
	// and linked to no topic (never sent, or their topics were deleted),
	// oldest first.
	UnlinkedFiles(ctx context.Context, before time.Time, limit int) ([]string, error)
	// DeleteFile removes a record and its links; ErrNotFound if there was
	// none.
	DeleteFile(ctx context.Context, id string) error
}
