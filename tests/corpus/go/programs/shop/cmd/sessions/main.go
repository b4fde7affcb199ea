// sessions touches a shared, unsynchronised map from two goroutines.
package main

import (
	"strings"
	"time"
)

type tracker struct {
	seen map[string]int
}

// record stores a (very long) fingerprint; hashing and comparing it keeps the
// map busy long enough for the other writer to notice.
func (t *tracker) record(fp string) {
	t.seen[fp]++
}

func (t *tracker) expire(id string) {
	t.seen[id] = 0
}

func main() {
	t := &tracker{seen: map[string]int{}}
	fp := strings.Repeat("a", 64<<20)
	t.seen[fp] = 1
	go func() {
		for {
			t.record(strings.Clone(fp))
		}
	}()
	time.Sleep(20 * time.Millisecond)
	for i := 0; ; i++ {
		t.expire("session-42")
	}
}
