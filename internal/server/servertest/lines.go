package servertest

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"
)

// LineLog is an io.Writer that sends each complete line to t.Log, so a
// child process's output (Node's test runner, a browser) shows in the test
// log as it is produced, not all at once when it ends.
type LineLog struct {
	t      testing.TB
	prefix string

	mu  sync.Mutex // guards buf: exec copies stdout and stderr from two goroutines
	buf bytes.Buffer
}

var _ io.Writer = (*LineLog)(nil)

// NewLineLog returns a LineLog that starts each line with prefix.
func NewLineLog(t testing.TB, prefix string) *LineLog {
	return &LineLog{t: t, prefix: prefix}
}

func (l *LineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	for {
		line, err := l.buf.ReadString('\n')
		if err != nil {
			l.buf.WriteString(line) // incomplete: keep for the next write
			return len(p), nil
		}
		l.t.Log(l.prefix + strings.TrimRight(line, "\r\n"))
	}
}

// Flush logs a trailing partial line, if any.
func (l *LineLog) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buf.Len() > 0 {
		l.t.Log(l.prefix + l.buf.String())
		l.buf.Reset()
	}
}
