package enrich

import "strings"

// UACategory groups user-agent families for the report.
type UACategory string

const (
	UAEmpty       UACategory = "empty"        // no user agent at all
	UAAWSSDK      UACategory = "aws-sdk"      // an AWS SDK (boto3, aws-sdk-go, ...)
	UAAWSCLI      UACategory = "aws-cli"      // AWS CLI, AWS Tools for PowerShell
	UAAWSConsole  UACategory = "aws-console"  // the AWS web console
	UAAWSService  UACategory = "aws-service"  // an AWS service acting for a caller
	UAHTTPLibrary UACategory = "http-library" // a language's HTTP client
	UACommandLine UACategory = "command-line" // curl, Wget, PowerShell
	UAS3Client    UACategory = "s3-client"    // desktop/CLI storage clients (rclone, Cyberduck)
	UAScanner     UACategory = "scanner"      // bucket finders and internet scanners
	UACrawler     UACategory = "crawler"      // search-engine crawlers
	UABrowser     UACategory = "browser"
	UAOther       UACategory = "other" // none of the above
)

// UAInfo is what a user agent string says about the client.
type UAInfo struct {
	// Family is the group reports count by ("AWS SDK for Python",
	// "Chrome"); it is one of a fixed set, or "Other" / "(empty)", never
	// attacker-chosen text.
	Family string
	// Name is the product token that identified the family ("Boto3",
	// "botocore"), or the first product token for "Other". It comes from
	// the log, so treat it as untrusted text.
	Name string
	// Version is the product version when the string carries one.
	Version  string
	Category UACategory
}

// Family names that are not in uaRules.
const (
	UAFamilyEmpty = "(empty)"
	UAFamilyOther = "Other"
)

type uaMatch uint8

const (
	matchExact  uaMatch = iota // a product token named exactly this
	matchPrefix                // a product token whose name starts with this
	matchSub                   // anywhere in the string
)

// uaRule recognises one family. match is lower case.
type uaRule struct {
	match    string
	how      uaMatch
	family   string
	category UACategory
	// name overrides the product token as UAInfo.Name (for substring rules).
	name string
	// versionFrom takes the version from another token (Safari's "Version/").
	versionFrom string
}

// uaRules is checked in order and the first match wins, so order encodes
// precedence: tools that pose as browsers or embed an SDK token come before
// what they embed (aws-cli carries "botocore/", the S3 console
// "aws-sdk-java/", Nmap "Mozilla/5.0", Chrome "Safari/", Edge "Chrome/").
var uaRules = []uaRule{
	// Bucket finders and scanners first: several borrow browser strings.
	{match: "s3scanner", how: matchSub, family: "S3Scanner", category: UAScanner, name: "S3Scanner"},
	{match: "bucket_finder", how: matchSub, family: "bucket_finder", category: UAScanner, name: "bucket_finder"},
	{match: "awsbucketdump", how: matchSub, family: "AWSBucketDump", category: UAScanner, name: "AWSBucketDump"},
	{match: "cloud_enum", how: matchSub, family: "cloud_enum", category: UAScanner, name: "cloud_enum"},
	{match: "s3recon", how: matchSub, family: "s3recon", category: UAScanner, name: "s3recon"},
	{match: "lazys3", how: matchSub, family: "lazys3", category: UAScanner, name: "lazys3"},
	{match: "yahoo! slurp", how: matchSub, family: "Yahoo Slurp", category: UACrawler, name: "Slurp"},
	{match: "slurp", how: matchPrefix, family: "slurp", category: UAScanner},
	{match: "nuclei", how: matchSub, family: "Nuclei", category: UAScanner, name: "Nuclei"},
	{match: "nmap", how: matchSub, family: "Nmap", category: UAScanner, name: "Nmap"},
	{match: "masscan", how: matchPrefix, family: "masscan", category: UAScanner},
	{match: "zgrab", how: matchPrefix, family: "ZGrab", category: UAScanner},
	{match: "censysinspect", how: matchPrefix, family: "Censys", category: UAScanner},
	{match: "expanse", how: matchSub, family: "Palo Alto Expanse", category: UAScanner, name: "Expanse"},
	{match: "nikto", how: matchSub, family: "Nikto", category: UAScanner, name: "Nikto"},
	{match: "sqlmap", how: matchPrefix, family: "sqlmap", category: UAScanner},
	{match: "gobuster", how: matchPrefix, family: "gobuster", category: UAScanner},
	{match: "fuzz faster u fool", how: matchSub, family: "ffuf", category: UAScanner, name: "ffuf"},

	// Search-engine crawlers (they carry "Mozilla/5.0" and browser tokens).
	{match: "googlebot", how: matchExact, family: "Googlebot", category: UACrawler},
	{match: "bingbot", how: matchExact, family: "Bingbot", category: UACrawler},

	// Storage clients.
	{match: "s3cmd", how: matchPrefix, family: "s3cmd", category: UAS3Client},
	{match: "rclone", how: matchExact, family: "rclone", category: UAS3Client},
	{match: "cyberduck", how: matchExact, family: "Cyberduck", category: UAS3Client},
	{match: "mountain duck", how: matchSub, family: "Cyberduck", category: UAS3Client, name: "Mountain Duck"},
	{match: "mc", how: matchExact, family: "MinIO Client", category: UAS3Client},
	{match: "minio-go", how: matchExact, family: "MinIO Go SDK", category: UAS3Client},
	{match: "s3 browser", how: matchSub, family: "S3 Browser", category: UAS3Client, name: "S3 Browser"},
	{match: "winscp", how: matchExact, family: "WinSCP", category: UAS3Client},

	// AWS's own clients. Console and service agents embed SDK tokens.
	{match: "s3console", how: matchSub, family: "AWS Console", category: UAAWSConsole, name: "S3Console"},
	{match: "console.amazonaws.com", how: matchSub, family: "AWS Console", category: UAAWSConsole, name: "console.amazonaws.com"},
	{match: "signin.amazonaws.com", how: matchSub, family: "AWS Console", category: UAAWSConsole, name: "signin.amazonaws.com"},
	{match: "aws internal", how: matchSub, family: "AWS service", category: UAAWSService, name: "AWS Internal"},
	{match: "aws-internal", how: matchExact, family: "AWS service", category: UAAWSService},
	{match: "aws-cli", how: matchExact, family: "AWS CLI", category: UAAWSCLI},
	{match: "awspowershell", how: matchPrefix, family: "AWS Tools for PowerShell", category: UAAWSCLI},
	{match: "aws-sdk-go-v2", how: matchExact, family: "AWS SDK for Go v2", category: UAAWSSDK},
	{match: "aws-sdk-go", how: matchExact, family: "AWS SDK for Go", category: UAAWSSDK},
	{match: "boto3", how: matchExact, family: "AWS SDK for Python", category: UAAWSSDK},
	{match: "botocore", how: matchExact, family: "AWS SDK for Python", category: UAAWSSDK},
	{match: "aws-sdk-java", how: matchExact, family: "AWS SDK for Java", category: UAAWSSDK},
	{match: "aws-sdk-nodejs", how: matchExact, family: "AWS SDK for JavaScript", category: UAAWSSDK},
	{match: "aws-sdk-js", how: matchPrefix, family: "AWS SDK for JavaScript", category: UAAWSSDK},
	{match: "aws-sdk-ruby", how: matchPrefix, family: "AWS SDK for Ruby", category: UAAWSSDK},
	{match: "aws-sdk-php", how: matchPrefix, family: "AWS SDK for PHP", category: UAAWSSDK},
	{match: "aws-sdk-dotnet", how: matchPrefix, family: "AWS SDK for .NET", category: UAAWSSDK},
	{match: "aws-sdk-rust", how: matchExact, family: "AWS SDK for Rust", category: UAAWSSDK},
	{match: "aws-sdk-cpp", how: matchExact, family: "AWS SDK for C++", category: UAAWSSDK},
	{match: "aws-sdk-kotlin", how: matchExact, family: "AWS SDK for Kotlin", category: UAAWSSDK},
	{match: "aws-sdk-swift", how: matchExact, family: "AWS SDK for Swift", category: UAAWSSDK},

	// Command-line tools.
	{match: "curl", how: matchExact, family: "curl", category: UACommandLine},
	{match: "wget", how: matchExact, family: "Wget", category: UACommandLine},
	{match: "windowspowershell", how: matchExact, family: "PowerShell", category: UACommandLine},
	{match: "powershell", how: matchExact, family: "PowerShell", category: UACommandLine},
	{match: "httpie", how: matchExact, family: "HTTPie", category: UACommandLine},

	// HTTP libraries.
	{match: "go-http-client", how: matchExact, family: "Go net/http", category: UAHTTPLibrary},
	{match: "python-requests", how: matchExact, family: "Python requests", category: UAHTTPLibrary},
	{match: "python-urllib", how: matchExact, family: "Python urllib", category: UAHTTPLibrary},
	{match: "python-urllib3", how: matchExact, family: "Python urllib3", category: UAHTTPLibrary},
	{match: "aiohttp", how: matchExact, family: "Python aiohttp", category: UAHTTPLibrary},
	{match: "python-httpx", how: matchExact, family: "Python httpx", category: UAHTTPLibrary},
	{match: "okhttp", how: matchExact, family: "OkHttp", category: UAHTTPLibrary},
	{match: "apache-httpclient", how: matchExact, family: "Apache HttpClient", category: UAHTTPLibrary},
	{match: "java", how: matchExact, family: "Java HttpURLConnection", category: UAHTTPLibrary},
	{match: "faraday", how: matchExact, family: "Ruby Faraday", category: UAHTTPLibrary},
	{match: "ruby", how: matchExact, family: "Ruby net/http", category: UAHTTPLibrary},
	{match: "node-fetch", how: matchExact, family: "node-fetch", category: UAHTTPLibrary},
	{match: "axios", how: matchExact, family: "axios", category: UAHTTPLibrary},
	{match: "undici", how: matchExact, family: "Node.js undici", category: UAHTTPLibrary},
	{match: "node", how: matchExact, family: "Node.js", category: UAHTTPLibrary},
	{match: "libwww-perl", how: matchExact, family: "libwww-perl", category: UAHTTPLibrary},
	{match: "guzzlehttp", how: matchExact, family: "PHP Guzzle", category: UAHTTPLibrary},
	{match: "reqwest", how: matchExact, family: "Rust reqwest", category: UAHTTPLibrary},
	{match: "dalvik", how: matchExact, family: "Android Dalvik", category: UAHTTPLibrary},
	{match: "python", how: matchExact, family: "Python", category: UAHTTPLibrary},

	// Browsers, most specific first: Edge and Opera carry "Chrome/", Chrome
	// carries "Safari/", everything carries "Mozilla/".
	{match: "edg", how: matchExact, family: "Edge", category: UABrowser},
	{match: "edge", how: matchExact, family: "Edge", category: UABrowser},
	{match: "edga", how: matchExact, family: "Edge", category: UABrowser},
	{match: "edgios", how: matchExact, family: "Edge", category: UABrowser},
	{match: "opr", how: matchExact, family: "Opera", category: UABrowser},
	{match: "firefox", how: matchExact, family: "Firefox", category: UABrowser},
	{match: "fxios", how: matchExact, family: "Firefox", category: UABrowser},
	{match: "chrome", how: matchExact, family: "Chrome", category: UABrowser},
	{match: "crios", how: matchExact, family: "Chrome", category: UABrowser},
	{match: "safari", how: matchExact, family: "Safari", category: UABrowser, versionFrom: "version"},
	{match: "msie", how: matchExact, family: "Internet Explorer", category: UABrowser},
	{match: "trident", how: matchExact, family: "Internet Explorer", category: UABrowser},
}

// uaToken is one "name/version" product token (or a bare word).
type uaToken struct {
	name, lower, version string
}

// isUASep splits user agents into product tokens: spaces, comment
// parentheses, CloudTrail's wrapping brackets, and list separators.
func isUASep(r rune) bool {
	switch r {
	case ' ', '\t', ';', '(', ')', '[', ']', ',':
		return true
	}
	return false
}

// ClassifyUserAgent names the client behind a user agent string. It uses
// no regular expressions: the string is split into product tokens once and
// checked against uaRules in order. Safe for concurrent use.
func ClassifyUserAgent(ua string) UAInfo {
	ua = strings.TrimSpace(ua)
	if ua == "" || ua == "-" || ua == `""` || ua == "[]" {
		return UAInfo{Family: UAFamilyEmpty, Category: UAEmpty}
	}
	lowerUA := strings.ToLower(ua)
	fields := strings.FieldsFunc(ua, isUASep)
	toks := make([]uaToken, 0, len(fields))
	for _, f := range fields {
		name, ver, _ := strings.Cut(f, "/")
		toks = append(toks, uaToken{name: name, lower: strings.ToLower(name), version: ver})
	}
	for _, r := range uaRules {
		switch r.how {
		case matchSub:
			if strings.Contains(lowerUA, r.match) {
				return UAInfo{Family: r.family, Name: r.name, Version: versionAfter(toks, r.match), Category: r.category}
			}
		case matchExact, matchPrefix:
			for i, t := range toks {
				if t.lower == r.match || (r.how == matchPrefix && strings.HasPrefix(t.lower, r.match)) {
					info := UAInfo{Family: r.family, Name: t.name, Version: t.version, Category: r.category}
					if r.versionFrom != "" {
						info.Version = tokenVersion(toks, r.versionFrom)
					}
					if info.Version == "" && i+1 < len(toks) {
						// "Faraday v1.0.1": version as the next word.
						if n := toks[i+1].name; len(n) > 1 && n[0] == 'v' && n[1] >= '0' && n[1] <= '9' && toks[i+1].version == "" {
							info.Version = n[1:]
						}
					}
					return info
				}
			}
		}
	}
	// CloudTrail writes the service's host name as the agent when a service
	// acts for the caller ("athena.amazonaws.com").
	if IsAWSServiceSource(ua) {
		return UAInfo{Family: "AWS service", Name: ua, Category: UAAWSService}
	}
	info := UAInfo{Family: UAFamilyOther, Category: UAOther}
	if len(toks) > 0 {
		info.Name, info.Version = toks[0].name, toks[0].version
	}
	return info
}

func tokenVersion(toks []uaToken, lower string) string {
	for _, t := range toks {
		if t.lower == lower {
			return t.version
		}
	}
	return ""
}

// versionAfter finds the version of the first token whose name contains
// match, for substring rules ("Nuclei - ...", "S3Console/0.4").
func versionAfter(toks []uaToken, match string) string {
	for _, t := range toks {
		if strings.Contains(t.lower, match) {
			return t.version
		}
	}
	return ""
}
