// Package lightload keeps the Go runtime's own work small when the server
// is lightly loaded. There, a server's CPU goes less to messages than to
// waking up: threads parked and woken around every frame, on every core.
// Two measures, both for the whole process and so taken by its entry point
// (cmd/parley), never by a server inside a test:
//
//   - KeepMonitorAwake keeps the runtime's monitor thread out of its deep
//     sleep (monitor.go);
//   - Processors runs the process on one processor while its CPU use fits
//     easily on one core, and on the runtime's default number otherwise
//     (processors.go).
//
// Measured in docs/benchmarks.md ("The Go runtime at light load").
package lightload
