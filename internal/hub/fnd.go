package hub

import (
	"encoding/json"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// maxFndResults caps one search: fnd is for finding someone, not for
// listing the directory.
const maxFndResults = 50

// setFndQuery stores the search a session set as fnd's desc.public: a JSON
// string of tags separated by spaces or commas. null or "" clears it. The
// query belongs to the session, as in Tinode: two devices of one user
// search independently.
func (t *topic) setFndQuery(r *Request, public json.RawMessage) *proto.ServerMsg {
	if public == nil {
		return nil
	}
	var query string
	if string(public) != "null" {
		if err := json.Unmarshal(public, &query); err != nil {
			return proto.Malformed(r.Msg.ID(), r.View, proto.Now())
		}
	}
	// A query of 16,000 words failed in the store (500): too many SQL
	// parameters. SearchTerms stops just past the bound.
	terms := proto.SearchTerms(query)
	if len(terms) > proto.MaxSearchTerms {
		return proto.Malformed(r.Msg.ID(), r.View, proto.Now())
	}
	if len(terms) > 0 {
		t.fnd[r.Sess] = terms
	} else {
		delete(t.fnd, r.Sess)
	}
	return nil
}

// dropGoneQueries forgets the searches of sessions that have ended. Queries
// may come from sessions never attached, so detaching cannot clean them.
func (t *topic) dropGoneQueries() {
	for s := range t.fnd {
		if s.Gone() {
			delete(t.fnd, s)
		}
	}
}

// search runs the session's fnd query: users (by user) and groups (by
// topic) carrying any of its tags, best matches first, the caller left out.
// Each entry's private is the list of tags it matched, as Tinode sends it.
func (q *querier) search() ([]proto.MsgTopicSub, error) {
	terms := q.snap.fndQuery
	if len(terms) == 0 {
		return nil, nil
	}
	found, err := q.hub.store.FindByTags(q.ctx(), terms, maxFndResults+1)
	if err != nil {
		return nil, err
	}
	uid := q.sess.UserID()
	var out []proto.MsgTopicSub
	for _, m := range found {
		if len(out) == maxFndResults {
			break
		}
		if m.Topic == "" && m.User == uid {
			continue
		}
		if e, ok := q.foundEntry(m); ok {
			out = append(out, e)
		}
	}
	return out, nil
}

// foundEntry describes one match; false if it vanished since the search.
func (q *querier) foundEntry(m store.TagMatch) (proto.MsgTopicSub, bool) {
	tags, err := json.Marshal(m.Tags)
	if err != nil {
		return proto.MsgTopicSub{}, false
	}
	e := proto.MsgTopicSub{Private: tags}
	if m.Topic != "" {
		tp, err := q.hub.store.GetTopic(q.ctx(), m.Topic)
		if err != nil {
			return e, false
		}
		e.Topic, e.UpdatedAt, e.Public, e.Trusted = tp.Name, proto.TimePtr(tp.UpdatedAt), tp.Public, tp.Trusted
		e.Acs = proto.MsgAccessMode{Mode: accessFor(tp.Access, q.sess.AuthLevel()).String()}
		return e, true
	}
	u, err := q.hub.store.GetUser(q.ctx(), m.User)
	if err != nil {
		return e, false
	}
	// No online flag: presence is for contacts, not for whoever searches.
	e.User, e.UpdatedAt, e.Public, e.Trusted = u.ID.UserID(), proto.TimePtr(u.UpdatedAt), u.Public, u.Trusted
	// The access the searcher would get, as in get desc: an anonymous
	// searcher is told the anon default.
	e.Acs = proto.MsgAccessMode{Mode: accessFor(u.Access, q.sess.AuthLevel()).String()}
	return e, true
}
