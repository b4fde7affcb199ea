// reconcile fans out to workers whose results are never read: a deadlock.
package main

import (
	"fmt"
	"sync"
)

type result struct {
	account int
	diff    int
}

func check(account int, out chan<- result, wg *sync.WaitGroup) {
	defer wg.Done()
	out <- result{account: account, diff: account % 7}
}

func main() {
	accounts := []int{1001, 1002, 1003}
	out := make(chan result)
	var wg sync.WaitGroup
	for _, a := range accounts {
		wg.Add(1)
		go check(a, out, &wg)
	}
	fmt.Println("waiting for", len(accounts), "accounts")
	wg.Wait()
	close(out)
}
