package output_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/honeyreport/honeyreport/output"
)

// A run checks its outputs against its inputs and each other before it
// reads anything, then writes each output atomically at the end.
func Example() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	logs := filepath.Join(dir, "access.log")
	os.WriteFile(logs, []byte("log lines\n"), 0o644)

	var plan output.Plan
	plan.AddInput(logs)
	fmt.Println(plan.AddOutput("-o", filepath.Join(dir, "report.html")))
	fmt.Println(plan.AddOutput("--json", "-"))
	if err := plan.AddOutput("--md", logs); err != nil {
		fmt.Println("refused: the input")
	}

	err := output.WriteFile(filepath.Join(dir, "report.html"), func(w io.Writer) error {
		_, err := io.WriteString(w, "<!DOCTYPE html>\n")
		return err
	})
	fmt.Println(err)
	// Output:
	// <nil>
	// <nil>
	// refused: the input
	// <nil>
}
