// Package billing computes invoice totals.
package billing

import "fmt"

// Customer is the billed party.
type Customer struct {
	ID      int
	Name    string
	Address *Address
}

// Address is a postal address.
type Address struct {
	Country string
	Street  string
}

// Line is one invoice line.
type Line struct {
	SKU      string
	Cents    int
	Quantity int
}

// Invoice groups lines for one customer.
type Invoice struct {
	Number   string
	Customer *Customer
	Lines    []Line
}

// TaxRate returns the VAT rate for the customer's country.
func (inv *Invoice) TaxRate() int {
	switch inv.Customer.Address.Country {
	case "DE":
		return 19
	case "FR":
		return 20
	}
	return 0
}

// Total sums the lines and adds tax.
func (inv *Invoice) Total() int {
	sum := 0
	for _, l := range inv.Lines {
		sum += l.Cents * l.Quantity
	}
	return sum + sum*inv.TaxRate()/100
}

// String renders the invoice number and total.
func (inv *Invoice) String() string {
	return fmt.Sprintf("%s: %d cents", inv.Number, inv.Total())
}
