// Package static holds the browser assets, embedded into the binary and
// served under /static/. Vendored libraries sit in vendor/NAME-VERSION/ with
// their LICENSE beside them; README.md lists them.
package static

import "embed"

//go:embed css img js vendor
var FS embed.FS
