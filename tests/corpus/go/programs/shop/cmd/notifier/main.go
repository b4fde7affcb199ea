// notifier consumes messages from the acme queue; a payload field has the
// wrong type and the type assertion panics in a consumer goroutine.
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/acme/lib/queue"
)

func retryCount(m *queue.Message) int {
	return m.Payload["retries"].(int)
}

func handle(m *queue.Message) error {
	if retryCount(m) > 3 {
		return fmt.Errorf("message %d: too many retries", m.ID)
	}
	return nil
}

func main() {
	id, _ := strconv.Atoi(os.Args[1])
	q := queue.New(4, handle)
	q.Start(2)
	q.Publish(&queue.Message{ID: id, Topic: "emails", Payload: map[string]interface{}{"retries": "2"}})
	time.Sleep(time.Second)
	q.Close()
}
