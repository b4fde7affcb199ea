// exporter panics, and its deferred cleanup panics too (no recover).
package main

import (
	"errors"
	"fmt"
	"os"
)

type Export struct {
	Name string
	done chan struct{}
}

func (e *Export) finish() {
	close(e.done)
}

func (e *Export) write(rows int) {
	if rows > 1000 {
		panic(errors.New("write " + e.Name + ": broken pipe"))
	}
}

func run(e *Export, rows int) {
	defer e.finish()
	e.write(rows)
	fmt.Println("exported", rows, "rows")
}

func main() {
	e := &Export{Name: os.Args[1], done: make(chan struct{})}
	close(e.done)
	run(e, 5000)
}
