// orders charges an order, applying its discount code through the retry helper.
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/acme/lib/retry"
)

type Order struct {
	ID        int
	SKU       string
	Quantity  int
	discounts map[string]int
}

type Service struct {
	rates map[string]int
}

func (s *Service) applyDiscount(o *Order, code string) error {
	rate, ok := s.rates[code]
	if !ok {
		return fmt.Errorf("unknown discount code %q", code)
	}
	o.discounts[code] = rate * o.Quantity
	return nil
}

func (s *Service) Charge(o *Order, code string) {
	retry.MustDo(retry.Default, "apply discount", func(attempt int) error {
		return s.applyDiscount(o, code)
	})
}

func main() {
	id, _ := strconv.Atoi(os.Args[1])
	o := &Order{ID: id, SKU: os.Args[2], Quantity: 3}
	s := &Service{rates: map[string]int{"XMAS25": 25, "VIP50": 50}}
	fmt.Printf("charging order %d (%s)\n", o.ID, o.SKU)
	s.Charge(o, os.Args[3])
}
