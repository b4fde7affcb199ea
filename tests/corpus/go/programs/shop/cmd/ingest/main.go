// ingest rejects a batch and panics with the whole (long) payload in the message.
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

type Batch struct {
	ID   int
	Rows []string
}

func validate(b *Batch) {
	for i, r := range b.Rows {
		if !strings.HasPrefix(r, "{") {
			panic(fmt.Sprintf("batch %d: row %d is not JSON: payload=[%s]", b.ID, i, strings.Join(b.Rows, ",")))
		}
	}
}

func main() {
	id, _ := strconv.Atoi(os.Args[1])
	b := &Batch{ID: id}
	for i := 0; i < 700; i++ {
		b.Rows = append(b.Rows, fmt.Sprintf(`{"sku":"SKU-%04d","qty":%d}`, i, i%9))
	}
	b.Rows = append(b.Rows, "qty=3")
	validate(b)
}
