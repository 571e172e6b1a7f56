//go:build unix

package ws

import "syscall"

// peeks says readable can tell whether a socket has bytes without reading.
const peeks = true

// readable reports, without blocking or consuming anything, whether the
// socket fd has bytes to read, has reached EOF or has failed. Used with
// syscall.RawConn.Read, which waits for the poller and asks again on false.
func readable(fd uintptr) bool {
	var b [1]byte
	_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	return err != syscall.EAGAIN && err != syscall.EWOULDBLOCK
}
