// Package queue is a tiny in-process work queue with a fixed pool of consumers.
package queue

import "sync"

// Message is one unit of work.
type Message struct {
	ID      int
	Topic   string
	Payload map[string]interface{}
}

// Handler processes one message.
type Handler func(m *Message) error

// Queue fans messages out to consumers.
type Queue struct {
	ch      chan *Message
	handler Handler
	wg      sync.WaitGroup
}

// New returns a queue with the given buffer size.
func New(size int, h Handler) *Queue {
	return &Queue{ch: make(chan *Message, size), handler: h}
}

// Start launches n consumers.
func (q *Queue) Start(n int) {
	for i := 0; i < n; i++ {
		q.wg.Add(1)
		go q.consume(i)
	}
}

func (q *Queue) consume(worker int) {
	defer q.wg.Done()
	for m := range q.ch {
		if err := q.handler(m); err != nil {
			continue
		}
	}
}

// Publish enqueues a message.
func (q *Queue) Publish(m *Message) { q.ch <- m }

// Close stops accepting messages and waits for the consumers.
func (q *Queue) Close() {
	close(q.ch)
	q.wg.Wait()
}
