// warmup: a library helper exhausts its retries and panics inside the module.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/acme/lib/retry"
)

var errRefused = errors.New("dial tcp " + "10.0.0.7:5432: connect: connection refused")

func connect(dsn string) func(int) error {
	return func(attempt int) error {
		return errRefused
	}
}

func main() {
	fmt.Println("warming cache from", os.Args[1])
	retry.MustDo(retry.Default, "warm cache", connect(os.Args[1]))
}
