// cart picks the "recommended" slot of a cart page.
package main

import (
	"fmt"
	"os"
	"strconv"
)

type Item struct {
	SKU   string
	Cents int
}

type Cart struct {
	ID    int
	Items []Item
}

func recommended(c *Cart, slot int) Item {
	return c.Items[slot]
}

func render(c *Cart, slot int) string {
	it := recommended(c, slot)
	return fmt.Sprintf("cart %d: %s for %d cents", c.ID, it.SKU, it.Cents)
}

func main() {
	n, _ := strconv.Atoi(os.Args[1])
	slot, _ := strconv.Atoi(os.Args[2])
	c := &Cart{ID: 7001}
	for i := 0; i < n; i++ {
		c.Items = append(c.Items, Item{SKU: fmt.Sprintf("SKU-%d", 1000+i), Cents: 499 + i})
	}
	fmt.Println(render(c, slot))
}
