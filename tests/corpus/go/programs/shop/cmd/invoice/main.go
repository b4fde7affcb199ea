// invoice renders the invoice of a customer whose address was never loaded.
package main

import (
	"fmt"
	"os"

	"example.com/shop/internal/billing"
)

func load(number string, customerID int) *billing.Invoice {
	c := &billing.Customer{ID: customerID, Name: "ACME GmbH"}
	return &billing.Invoice{
		Number:   number,
		Customer: c,
		Lines:    []billing.Line{{SKU: "SKU-1", Cents: 1999, Quantity: 2}},
	}
}

func main() {
	inv := load(os.Args[1], 4242)
	fmt.Println("rendering", inv.Number)
	fmt.Println(inv.String())
}
