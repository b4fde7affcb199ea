// api serves one request whose handler dereferences a missing order; net/http
// recovers the panic and logs it with the goroutine's stack.
package main

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
)

type Order struct {
	ID     string
	Status string
}

type Store struct {
	orders map[string]*Order
}

func (s *Store) Get(id string) *Order { return s.orders[id] }

type API struct {
	store *Store
}

func (a *API) orderStatus(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	o := a.store.Get(id)
	fmt.Fprintf(w, "order %s is %s\n", o.ID, o.Status)
}

func main() {
	a := &API{store: &Store{orders: map[string]*Order{"1001": {ID: "1001", Status: "paid"}}}}
	mux := http.NewServeMux()
	mux.HandleFunc("/orders/status", a.orderStatus)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: mux, ErrorLog: log.New(os.Stderr, "", log.LstdFlags)}
	go srv.Serve(ln)
	resp, err := http.Get("http://" + ln.Addr().String() + "/orders/status?id=" + os.Args[1])
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	srv.Close()
}
