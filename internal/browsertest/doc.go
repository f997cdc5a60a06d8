// Package browsertest contains the headless-browser test of the HTML report
// that cutover report writes. Chromium loads report.html from disk with the
// network blocked, and the test checks the console, the sections, the charts
// and the totals, and writes a full-page screenshot.
//
// The test needs the build tag browser, the chromium binary, the cutover
// binary and a report with the database it was made from, so go test ./...
// leaves it out. Run it with make test-browser, or by hand:
//
//	go test -tags browser -count=1 ./internal/browsertest -args \
//		-report /tmp/report -db /tmp/cutover.duckdb -screenshot /tmp/report.jpg
//
// Relative paths in the flags are relative to the repository root.
package browsertest
