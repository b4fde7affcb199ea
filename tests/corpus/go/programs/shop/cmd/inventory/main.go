// inventory panics with a value of a named string type.
package main

import (
	"fmt"
	"os"
)

type SKU string

type Stock struct {
	levels map[SKU]int
}

func (s *Stock) Reserve(sku SKU, qty int) {
	have, ok := s.levels[sku]
	if !ok {
		panic(sku)
	}
	s.levels[sku] = have - qty
}

func main() {
	s := &Stock{levels: map[SKU]int{"SKU-1001": 4, "SKU-1002": 0}}
	fmt.Println("reserving", os.Args[1])
	s.Reserve(SKU(os.Args[1]), 2)
}
