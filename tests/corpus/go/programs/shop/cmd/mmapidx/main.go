// mmapidx reads an index entry through a stale pointer into an unmapped
// region: "unexpected fault address" / "fatal error: fault".
package main

import (
	"fmt"
	"os"
	"strconv"
	"unsafe"
)

type entry struct {
	Offset uint64
	Length uint32
}

func lookup(base uintptr, slot int) entry {
	p := (*entry)(unsafe.Pointer(base + uintptr(slot)*unsafe.Sizeof(entry{})))
	return *p
}

func main() {
	slot, _ := strconv.Atoi(os.Args[1])
	base := uintptr(0xdead0000)
	fmt.Println(lookup(base, slot))
}
