// config panics with a multi-line error message.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

type Config struct {
	ListenAddr string
	CertFile   string
	Replicas   int
}

func (c *Config) Validate() error {
	var problems []string
	if c.ListenAddr == "" {
		problems = append(problems, "  - listen_addr: missing")
	}
	if c.CertFile != "" {
		if _, err := os.Stat(c.CertFile); err != nil {
			problems = append(problems, "  - tls.cert_file: "+err.Error())
		}
	}
	if c.Replicas < 1 {
		problems = append(problems, fmt.Sprintf("  - replicas: must be >= 1, got %d", c.Replicas))
	}
	if len(problems) > 0 {
		return errors.New("invalid configuration (" + fmt.Sprint(len(problems)) + " problems):\n" + strings.Join(problems, "\n"))
	}
	return nil
}

func main() {
	c := &Config{CertFile: os.Args[1]}
	if err := c.Validate(); err != nil {
		panic(err)
	}
}
