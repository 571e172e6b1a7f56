package sqlite

// The committed seqs. Every Append reads its topics' last seq, once per
// topic per transaction; at light load a transaction holds a message or
// two, so that read was a query through database/sql per message. The
// committer keeps the seqs its transactions committed and starts each
// transaction from them. Only the committer writes the database (readers
// are query_only, and the file is not shared with another writer), so
// they stay true until something other than Append changes topics: any
// other write, a failed request or a failed transaction empties them.

// maxCommittedSeqs bounds the committed seqs: past it they are emptied and
// gathered again from the topics written next.
const maxCommittedSeqs = 4096

// seqCache is the committer's committed seqs, by topic.
type seqCache map[string]int

// begin gives a transaction its view of the committed seqs.
func (c seqCache) begin(w *writeTx) { w.committed = c }

// committed takes in what a committed transaction stored: the seqs it
// read or gave, or nothing at all when it may have changed topics
// otherwise.
func (c seqCache) committed(w *writeTx) {
	if w.stale || len(c)+len(w.seqs) > maxCommittedSeqs {
		clear(c)
	}
	for topic, seq := range w.seqs {
		if seq >= 0 {
			c[topic] = seq
		}
	}
}

// failed empties the cache after a transaction that did not commit.
func (c seqCache) failed() { clear(c) }
