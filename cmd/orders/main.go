// Command orders builds, exercises, proves and tears down the orders
// pipeline on AWS, or on the emulator it carries (--local).
package main

import (
	"os"

	"github.com/orders-dev/orders/internal/cli"
)

func main() {
	os.Exit(cli.Main())
}
