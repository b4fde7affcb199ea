// catalog walks a category tree whose root was never linked; run with
// GOTRACEBACK=system the traceback hits the 100-frame limit.
package main

import (
	"fmt"
	"os"
	"strconv"
)

type Category struct {
	Name   string
	Parent *Category
	root   bool
}

func depth(c *Category, d int) int {
	if c.Parent == nil {
		if !c.root {
			panic(fmt.Sprintf("category %q has no root (depth %d)", c.Name, d))
		}
		return d
	}
	return depth(c.Parent, d+1)
}

func main() {
	n, _ := strconv.Atoi(os.Args[1])
	c := &Category{Name: "orphans"}
	for i := 0; i < n; i++ {
		c = &Category{Name: fmt.Sprintf("%s/%d", "shoes", i), Parent: c}
	}
	fmt.Println("depth:", depth(c, 0))
}
