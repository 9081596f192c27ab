// Command install-dendrite builds the Dendrite the tests run into the user's cache unless it
// is there already, and prints the folder. scripts/test-deps starts it in the background so
// the build overlaps other work; tests that need Dendrite wait for it.
package main

import (
	"context"
	"fmt"
	"os"

	"stagebot/internal/dendritetest"
)

func main() {
	dir, err := dendritetest.Install(context.Background(), os.Stderr, func() {
		fmt.Fprintln(os.Stderr, "install-dendrite: waiting for another process building Dendrite")
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "install-dendrite:", err)
		os.Exit(1)
	}
	fmt.Println(dir)
}
