// dispatcher runs a pool of goroutines blocked on different things; after a
// while one job panics. Built with -tags=faketime so "a while" is instant.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"
)

type Job struct {
	ID      int
	Payload []int
}

type Pool struct {
	jobs    chan Job
	mu      sync.Mutex
	statsMu sync.Mutex
	results map[int]int
	flush   chan int
	quit    chan struct{}
}

func (p *Pool) worker(n int) {
	for j := range p.jobs {
		p.handle(j)
	}
}

func (p *Pool) handle(j Job) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.results[j.ID] = j.Payload[0] / len(j.Payload[1:])
}

func (p *Pool) flusher() {
	for {
		select {
		case n := <-p.flush:
			fmt.Println("flushing", n)
		case <-p.quit:
			return
		}
	}
}

func (p *Pool) heartbeat() {
	for {
		time.Sleep(time.Hour)
	}
}

func (p *Pool) stats() {
	p.statsMu.Lock()
	defer p.statsMu.Unlock()
	fmt.Println(len(p.results))
}

func main() {
	workers, _ := strconv.Atoi(os.Args[1])
	p := &Pool{jobs: make(chan Job), results: map[int]int{}, flush: make(chan int), quit: make(chan struct{})}
	for i := 0; i < workers; i++ {
		go p.worker(i)
	}
	go p.flusher()
	go p.heartbeat()
	p.statsMu.Lock()
	go p.stats()
	time.Sleep(time.Millisecond)
	runtime.GC()
	runtime.GC()
	time.Sleep(150 * time.Second)
	go p.handle(Job{ID: 501, Payload: []int{10}})
	time.Sleep(time.Second)
}
