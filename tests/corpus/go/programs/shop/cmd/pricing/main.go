// pricing resolves a price rule that refers to itself: a stack overflow.
package main

import (
	"fmt"
	"os"
)

type Rule struct {
	Name    string
	Base    *Rule
	Percent int
}

func (r *Rule) Price(cents int) int {
	if r.Base == nil {
		return cents
	}
	return r.Base.Price(cents) * (100 - r.Percent) / 100
}

func main() {
	r := &Rule{Name: os.Args[1], Percent: 10}
	r.Base = r
	fmt.Println("price:", r.Price(1999))
}
