package ingest

// Detect returns the format of an input from its first bytes (up to 64 KiB,
// already decompressed), or "" when no format recognises it. It looks at
// content only, never at file names: analysts rename files.
func Detect(head []byte) Format {
	head = trimBOM(head)
	switch {
	case sniffCloudTrail(head):
		return FormatCloudTrail
	case sniffAthena(head):
		return FormatAthena
	case sniffBreachCSV(head):
		return FormatBreachCSV
	case sniffBreachInsider(head):
		return FormatBreachInsider
	case sniffS3Access(head):
		return FormatS3Access
	}
	return ""
}

func trimBOM(b []byte) []byte {
	if len(b) >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf {
		return b[3:]
	}
	return b
}
