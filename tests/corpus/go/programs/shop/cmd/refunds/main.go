// refunds panics with a plain struct value (no Error or String method).
package main

import (
	"fmt"
	"os"
)

type refundState struct {
	OrderID int
	Step    string
	Cents   int
}

func advance(s refundState) refundState {
	switch s.Step {
	case "requested":
		s.Step = "approved"
	case "approved":
		s.Step = "paid"
	default:
		panic(s)
	}
	return s
}

func main() {
	s := refundState{OrderID: 88120, Step: os.Args[1], Cents: 4599}
	fmt.Printf("refund for order %d: %s\n", s.OrderID, advance(s).Step)
}
