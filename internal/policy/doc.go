// Package policy decides what happens to a message before it is stored:
// delivered as it is, blocked, delivered with words masked, or held for a
// person to review. Decisions come from word rules (matched in one pass
// with an Aho–Corasick automaton over text normalised against the usual
// evasions) and, optionally, from a merchant's risk-review endpoint called
// over signed HTTP.
//
// The package knows nothing of topics' actors or sessions: the gateway asks
// an Engine for a Decision and acts on it, and asks Reviews to release or
// drop a held message. Rules and held messages live in the store
// (store.Policies), so they survive restarts and are shared by every node.
package policy
