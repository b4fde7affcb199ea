// ledger slices a page of entries past the end of its buffer.
package main

import (
	"fmt"
	"os"
	"strconv"
)

type Ledger struct {
	entries []int
}

func (l *Ledger) Page(offset, size int) []int {
	return l.entries[offset : offset+size]
}

func main() {
	size, _ := strconv.Atoi(os.Args[1])
	l := &Ledger{entries: make([]int, 6, 8)}
	fmt.Println(l.Page(2, size))
}
