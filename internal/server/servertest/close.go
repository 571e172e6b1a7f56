package servertest

// Close ends the client's connection before the test does, for tests that
// set up with a Client and must not leave it attached (an attached client
// that reads nothing would fill its outbox and be cut as a slow consumer).
func (c *Client) Close() error { return c.conn.Close() }
