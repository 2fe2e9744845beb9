package reply

import "github.com/intake-mail/intake/scan"

// fullScanner is the scanner outbound DLP uses in production.
func fullScanner() Scanner { return scan.New(scan.DefaultLimits()) }
