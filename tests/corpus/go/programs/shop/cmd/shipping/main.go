// shipping uses log.Panicf: the message is logged, then panicked with.
package main

import (
	"fmt"
	"log"
	"os"
)

type Carrier struct {
	Name  string
	Rates map[int]int
}

func (c *Carrier) Quote(zone int) int {
	rate, ok := c.Rates[zone]
	if !ok {
		log.Panicf("carrier %q returned no rates for zone %d", c.Name, zone)
	}
	return rate
}

func main() {
	c := &Carrier{Name: os.Args[1], Rates: map[int]int{1: 499, 2: 899}}
	fmt.Println("quoting", c.Name)
	c.Quote(7)
}
