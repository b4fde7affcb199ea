// Package store keeps per-session state in memory.
package store

// Sessions maps a session id to the cart size. Not safe for concurrent use.
type Sessions struct {
	items map[int]int
}

// NewSessions returns an empty store.
func NewSessions() *Sessions { return &Sessions{items: make(map[int]int)} }

// Touch records activity for a session.
func (s *Sessions) Touch(id, size int) {
	s.items[id] = size
}

// Len is the number of sessions.
func (s *Sessions) Len() int { return len(s.items) }
