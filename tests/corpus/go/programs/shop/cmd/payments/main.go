// payments captures a charge and panics with the gateway's error value.
package main

import (
	"fmt"
	"os"
)

type DeclineError struct {
	ChargeID string
	Code     string
}

func (e *DeclineError) Error() string {
	return fmt.Sprintf("charge %s declined: %s", e.ChargeID, e.Code)
}

type Gateway struct{ balance int }

func (g *Gateway) Capture(chargeID string, cents int) error {
	if cents > g.balance {
		return &DeclineError{ChargeID: chargeID, Code: "insufficient_funds"}
	}
	g.balance -= cents
	return nil
}

func mustCapture(g *Gateway, chargeID string, cents int) {
	if err := g.Capture(chargeID, cents); err != nil {
		panic(err)
	}
}

func main() {
	g := &Gateway{balance: 1000}
	mustCapture(g, os.Args[1], 25900)
}
