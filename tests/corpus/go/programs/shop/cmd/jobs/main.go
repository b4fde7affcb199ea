// jobs recovers a job's panic, wraps it and panics again ("[recovered]").
package main

import (
	"fmt"
	"os"
	"strconv"
)

type Job struct {
	ID      int
	Batches int
	Rows    int
}

func (j *Job) rowsPerBatch() int {
	return j.Rows / j.Batches
}

func run(j *Job) {
	defer func() {
		if r := recover(); r != nil {
			panic(fmt.Sprintf("job %d failed: %v", j.ID, r))
		}
	}()
	fmt.Println("rows per batch:", j.rowsPerBatch())
}

func main() {
	id, _ := strconv.Atoi(os.Args[1])
	run(&Job{ID: id, Rows: 1200})
}
