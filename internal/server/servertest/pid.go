package servertest

// PID is the process id of the running server, for tests that measure it
// (its memory in /proc/PID/status).
func (p *Process) PID() int { return p.cmd.Process.Pid }
