package desk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// OpenResult answers service.open and conv.human.
type OpenResult struct {
	Topic    string
	State    string
	Position int
	ETA      int // seconds, when HasETA
	HasETA   bool
}

// servicePublic is the public description of a service topic.
var servicePublic = json.RawMessage(`{"fn":"Customer service"}`)

// Open finds or creates customer's service topic and opens a conversation
// in it unless one is open: with the robot when the team has one. team ""
// is the team of the customer's last conversation, else the only team
// there is.
func (rt *Router) Open(ctx context.Context, customer proto.Uid, team string) (OpenResult, error) {
	return rt.open(ctx, customer, team, false, 0)
}

// openByMessage opens a conversation because the customer wrote message
// seq in their topic with none open.
func (rt *Router) openByMessage(ctx context.Context, customer proto.Uid, seq int) (OpenResult, error) {
	return rt.open(ctx, customer, "", false, seq)
}

// Human is conv.human: the customer asks for a person. A conversation
// with the robot is handed to the agents; with none open, one is opened
// for the agents straight away.
func (rt *Router) Human(ctx context.Context, customer proto.Uid) (OpenResult, error) {
	topic := hub.ServiceTopic(customer)
	var res OpenResult
	var found bool
	if err := rt.do(ctx, func() {
		if found = rt.r.handOff(topic) == nil; found {
			res = rt.openResult(topic)
		}
	}); err != nil || found {
		return res, err
	}
	return rt.open(ctx, customer, "", true, 0)
}

// HandOff takes topic's conversation from the robot to the agents: the
// queued event and routing as for any new conversation. A conversation
// not with the robot is left alone.
func (rt *Router) HandOff(ctx context.Context, topic string) error {
	var err error
	if derr := rt.do(ctx, func() { err = rt.r.handOff(topic) }); derr != nil {
		return derr
	}
	return err
}

func (rt *Router) openResult(topic string) OpenResult {
	res := OpenResult{Topic: topic, State: rt.r.convs[topic].State}
	res.Position, res.ETA, res.HasETA = rt.r.position(topic)
	return res
}

func (rt *Router) open(ctx context.Context, customer proto.Uid, team string, human bool, question int) (OpenResult, error) {
	topic, err := rt.hub.OpenServiceTopic(ctx, customer, servicePublic)
	if err != nil {
		return OpenResult{}, err
	}
	prev, err := rt.convs.GetConversation(ctx, topic)
	if errors.Is(err, store.ErrNotFound) {
		prev, err = nil, nil
	}
	if err != nil {
		return OpenResult{}, err
	}
	if team, err = rt.teamFor(team, prev); err != nil {
		return OpenResult{}, err
	}
	var res OpenResult
	err = rt.do(ctx, func() {
		c := rt.r.convs[topic]
		if c == nil {
			var last proto.Uid
			if prev != nil {
				last = prev.LastAgent
			}
			if c := rt.r.open(topic, customer, team, last, prev != nil, human); c.State == store.ConvBot && question > 0 {
				rt.r.out[len(rt.r.out)-1].Question = question // the bot event, just emitted
			}
		} else if human {
			rt.r.handOff(topic)
		}
		res = rt.openResult(topic)
	})
	return res, err
}

// teamFor picks the team of a new conversation.
func (rt *Router) teamFor(team string, prev *store.Conversation) (string, error) {
	if team == "" && prev != nil {
		if _, ok := rt.desk.Team(prev.Team); ok {
			return prev.Team, nil
		}
	}
	if team == "" {
		teams := rt.desk.Teams()
		if len(teams) != 1 {
			return "", fmt.Errorf("%w: name a team (params.team): this desk has %d", ErrInvalid, len(teams))
		}
		return teams[0].Name, nil
	}
	if _, ok := rt.desk.Team(team); !ok {
		return "", fmt.Errorf("%w %q", ErrUnknownTeam, team)
	}
	return team, nil
}

// AgentState is an agent as agent.status and desk.state show them.
type AgentState struct {
	User          string   `json:"user"`
	Status        string   `json:"status"`
	Load          int      `json:"load"`
	Capacity      int      `json:"capacity"`
	Teams         []string `json:"teams,omitempty"`
	Conversations []string `json:"conversations,omitempty"`
}

func agentState(a *agent) AgentState {
	s := AgentState{User: a.uid.UserID(), Status: a.status, Load: a.load(), Capacity: a.capacity}
	for t := range a.teams {
		s.Teams = append(s.Teams, t)
	}
	slices.Sort(s.Teams)
	for _, c := range sortedConvs(a.convs) {
		s.Conversations = append(s.Conversations, c.Topic)
	}
	return s
}

// SetStatus sets a staff member's status.
func (rt *Router) SetStatus(ctx context.Context, uid proto.Uid, status string) (AgentState, error) {
	var st AgentState
	var err error
	if derr := rt.do(ctx, func() {
		var a *agent
		if a, err = rt.r.setStatus(uid, status); err == nil {
			st = agentState(a)
		}
		if t := rt.timers[uid]; t != nil && status != StatusOffline {
			t.Stop()
			delete(rt.timers, uid)
		}
	}); derr != nil {
		return st, derr
	}
	return st, err
}

// Conversation returns topic's open conversation.
func (rt *Router) Conversation(ctx context.Context, topic string) (store.Conversation, bool) {
	var c store.Conversation
	var ok bool
	rt.do(ctx, func() {
		if cv := rt.r.convs[topic]; cv != nil {
			c, ok = cv.Conversation, true
		}
	})
	return c, ok
}

// Close ends topic's open conversation.
func (rt *Router) Close(ctx context.Context, topic string, by proto.Uid, reason string) error {
	var err error
	if derr := rt.do(ctx, func() { err = rt.r.closeConv(topic, by, reason) }); derr != nil {
		return derr
	}
	return err
}

// Transfer hands topic's conversation to agent to, or to team toTeam.
func (rt *Router) Transfer(ctx context.Context, topic string, by, to proto.Uid, toTeam string) error {
	if toTeam != "" {
		if _, ok := rt.desk.Team(toTeam); !ok {
			return fmt.Errorf("%w %q", ErrUnknownTeam, toTeam)
		}
	}
	var err error
	if derr := rt.do(ctx, func() { err = rt.r.transfer(topic, by, to, toTeam) }); derr != nil {
		return derr
	}
	return err
}

// Position is topic's place in its queue, 0 if not queued, with the
// estimated wait in seconds when there is one.
func (rt *Router) Position(ctx context.Context, topic string) (int, int, bool) {
	var p, eta int
	var has bool
	rt.do(ctx, func() { p, eta, has = rt.r.position(topic) })
	return p, eta, has
}

// QueueEntry is a waiting conversation as desk.state shows it.
type QueueEntry struct {
	Topic string     `json:"topic"`
	Team  string     `json:"team"`
	Since proto.Time `json:"since"`
}

// DeskState is desk.state's answer.
type DeskState struct {
	Agents []AgentState   `json:"agents"`
	Queue  []QueueEntry   `json:"queue"`
	Queued map[string]int `json:"queued"` // per team, all of them
}

// maxQueueShown bounds desk.state's queue list; Queued has the counts.
const maxQueueShown = 500

// State is the supervisor's snapshot.
func (rt *Router) State(ctx context.Context) (DeskState, error) {
	st := DeskState{Agents: []AgentState{}, Queue: []QueueEntry{}, Queued: map[string]int{}}
	err := rt.do(ctx, func() {
		for _, a := range rt.r.agents {
			st.Agents = append(st.Agents, agentState(a))
		}
		var all []*conv
		for name, t := range rt.r.teams {
			st.Queued[name] = len(t.queue)
			all = append(all, t.queue[:min(len(t.queue), maxQueueShown)]...)
		}
		slices.SortFunc(all, func(a, b *conv) int { return int(a.Ticket - b.Ticket) })
		for _, c := range all[:min(len(all), maxQueueShown)] {
			st.Queue = append(st.Queue, QueueEntry{Topic: c.Topic, Team: c.Team, Since: proto.TimeOf(c.QueuedAt)})
		}
	})
	slices.SortFunc(st.Agents, func(a, b AgentState) int { return cmpString(a.User, b.User) })
	return st, err
}

// AccountDeleted closes the open conversation of a customer whose account
// was deleted (reason "account deleted"), without waiting.
func (rt *Router) AccountDeleted(uid proto.Uid) {
	topic := hub.ServiceTopic(uid)
	rt.async(func() {
		if c := rt.r.convs[topic]; c != nil && c.Customer == uid {
			rt.r.closeConv(topic, uid, "account deleted")
		}
	})
}
