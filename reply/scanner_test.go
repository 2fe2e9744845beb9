package reply

// fullScanner is the scanner outbound DLP uses in production. Until the
// scan package's message walk is in, nil leaves CheckOutbound to its own
// header and body detection.
func fullScanner() Scanner { return nil }
