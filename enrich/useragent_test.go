package enrich

import (
	"testing"
	"unicode/utf8"
)

func TestClassifyUserAgent(t *testing.T) {
	tests := []struct {
		name, ua string
		want     UAInfo
	}{
		// Real user agents from the BreachInsider honeybucket data.
		{"boto3", "Boto3/1.17.40 Python/3.6.12 Linux/3.10.0-1160.6.1.el7.x86_64 Botocore/1.20.112",
			UAInfo{"AWS SDK for Python", "Boto3", "1.17.40", UAAWSSDK}},
		{"boto3 resource", "Boto3/1.20.24 Python/3.9.9 Linux/5.4.0-1051-gke Botocore/1.23.24 Resource",
			UAInfo{"AWS SDK for Python", "Boto3", "1.20.24", UAAWSSDK}},
		{"go net/http", "Go-http-client/1.1", UAInfo{"Go net/http", "Go-http-client", "1.1", UAHTTPLibrary}},
		{"java", "Java/1.8.0_201", UAInfo{"Java HttpURLConnection", "Java", "1.8.0_201", UAHTTPLibrary}},
		{"java 11", "Java/11.0.11", UAInfo{"Java HttpURLConnection", "Java", "11.0.11", UAHTTPLibrary}},
		{"aws-cli v1 carries botocore", "aws-cli/1.17.9 Python/3.6.0 Windows/10 botocore/1.14.9",
			UAInfo{"AWS CLI", "aws-cli", "1.17.9", UAAWSCLI}},
		{"aws-cli v2 in cloudtrail brackets", "[aws-cli/2.0.0 Python/3.7.3 Linux/4.14.133-113.105.amzn2.x86_64 botocore/2.0.0dev4]",
			UAInfo{"AWS CLI", "aws-cli", "2.0.0", UAAWSCLI}},
		{"ruby", "Ruby", UAInfo{"Ruby net/http", "Ruby", "", UAHTTPLibrary}},
		{"python-requests", "python-requests/2.22.0", UAInfo{"Python requests", "python-requests", "2.22.0", UAHTTPLibrary}},
		{"chrome 98 windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/98.0.4758.102 Safari/537.36",
			UAInfo{"Chrome", "Chrome", "98.0.4758.102", UABrowser}},
		{"edge carries chrome", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/89.0.4389.90 Safari/537.36 Edg/89.0.774.57",
			UAInfo{"Edge", "Edg", "89.0.774.57", UABrowser}},
		{"firefox", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:90.0) Gecko/20100101 Firefox/90.0",
			UAInfo{"Firefox", "Firefox", "90.0", UABrowser}},
		{"safari version token", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.3 Safari/605.1.15",
			UAInfo{"Safari", "Safari", "15.3", UABrowser}},
		{"aws-sdk-go", "aws-sdk-go/1.40.9 (go1.15.8; linux; amd64)", UAInfo{"AWS SDK for Go", "aws-sdk-go", "1.40.9", UAAWSSDK}},
		{"aws-sdk-go-v2", "aws-sdk-go-v2/1.16.2 os/linux lang/go/1.18 md/GOOS/linux api/s3/1.26.5",
			UAInfo{"AWS SDK for Go v2", "aws-sdk-go-v2", "1.16.2", UAAWSSDK}},
		{"aws-sdk-java", "aws-sdk-java/1.12.150 Linux/5.10 OpenJDK_64-Bit_Server_VM/25.312-b07 java/1.8.0_312 vendor/Amazon.com_Inc.",
			UAInfo{"AWS SDK for Java", "aws-sdk-java", "1.12.150", UAAWSSDK}},
		{"aws-sdk-js v3", "aws-sdk-js/3.54.0 os/linux/5.4 lang/js md/nodejs/16.14.0 api/s3/3.54.0",
			UAInfo{"AWS SDK for JavaScript", "aws-sdk-js", "3.54.0", UAAWSSDK}},
		{"aws-sdk-nodejs v2", "aws-sdk-nodejs/2.1069.0 linux/v16.13.2 promise",
			UAInfo{"AWS SDK for JavaScript", "aws-sdk-nodejs", "2.1069.0", UAAWSSDK}},
		{"aws-sdk-ruby3", "aws-sdk-ruby3/3.126.0 ruby/2.7.5 x86_64-linux aws-sdk-s3/1.111.3",
			UAInfo{"AWS SDK for Ruby", "aws-sdk-ruby3", "3.126.0", UAAWSSDK}},
		{"aws-sdk-php", "aws-sdk-php/3.209.0 OS/Linux/5.4 lang/php/7.4.3 GuzzleHttp/7",
			UAInfo{"AWS SDK for PHP", "aws-sdk-php", "3.209.0", UAAWSSDK}},
		{"aws-sdk-dotnet", "aws-sdk-dotnet-coreclr/3.7.7.12 aws-sdk-dotnet-core/3.7.8.1 .NET_Core/6.0.1 OS/Microsoft_Windows_10.0.19044",
			UAInfo{"AWS SDK for .NET", "aws-sdk-dotnet-coreclr", "3.7.7.12", UAAWSSDK}},
		{"aws-sdk-rust", "aws-sdk-rust/0.6.0 os/linux lang/rust/1.58.1", UAInfo{"AWS SDK for Rust", "aws-sdk-rust", "0.6.0", UAAWSSDK}},
		{"s3 console wraps sdk", "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.11.1030 Linux/5.4.156-94.273.amzn2int.x86_64 OpenJDK_64-Bit_Server_VM/25.302-b08 java/1.8.0_302]",
			UAInfo{"AWS Console", "S3Console", "0.4", UAAWSConsole}},
		{"console host", "console.amazonaws.com", UAInfo{"AWS Console", "console.amazonaws.com", "", UAAWSConsole}},
		{"athena", "athena.amazonaws.com", UAInfo{"AWS service", "athena.amazonaws.com", "", UAAWSService}},
		{"service name", "s3.amazonaws.com", UAInfo{"AWS service", "s3.amazonaws.com", "", UAAWSService}},
		{"aws internal", "AWS Internal", UAInfo{"AWS service", "AWS Internal", "", UAAWSService}},
		{"powershell tools", "AWSPowerShell.Common/4.1.14.0 .NET_Core/4.6.26515.07 OS/Microsoft_Windows_10",
			UAInfo{"AWS Tools for PowerShell", "AWSPowerShell.Common", "4.1.14.0", UAAWSCLI}},
		{"curl", "curl/7.68.0", UAInfo{"curl", "curl", "7.68.0", UACommandLine}},
		{"wget", "Wget/1.20.3 (linux-gnu)", UAInfo{"Wget", "Wget", "1.20.3", UACommandLine}},
		{"python urllib", "Python-urllib/3.8", UAInfo{"Python urllib", "Python-urllib", "3.8", UAHTTPLibrary}},
		{"aiohttp", "Python/3.9 aiohttp/3.8.1", UAInfo{"Python aiohttp", "aiohttp", "3.8.1", UAHTTPLibrary}},
		{"okhttp", "okhttp/4.9.3", UAInfo{"OkHttp", "okhttp", "4.9.3", UAHTTPLibrary}},
		{"apache httpclient", "Apache-HttpClient/4.5.13 (Java/11.0.14)", UAInfo{"Apache HttpClient", "Apache-HttpClient", "4.5.13", UAHTTPLibrary}},
		{"faraday next-word version", "Faraday v1.0.1", UAInfo{"Ruby Faraday", "Faraday", "1.0.1", UAHTTPLibrary}},
		{"node-fetch", "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)", UAInfo{"node-fetch", "node-fetch", "1.0", UAHTTPLibrary}},
		{"axios", "axios/0.26.0", UAInfo{"axios", "axios", "0.26.0", UAHTTPLibrary}},
		{"libwww-perl", "libwww-perl/6.43", UAInfo{"libwww-perl", "libwww-perl", "6.43", UAHTTPLibrary}},
		{"s3scanner", "S3Scanner/2.0.2", UAInfo{"S3Scanner", "S3Scanner", "2.0.2", UAScanner}},
		{"nmap poses as mozilla", "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)",
			UAInfo{"Nmap", "Nmap", "", UAScanner}},
		{"nuclei", "Nuclei - Open-source project (github.com/projectdiscovery/nuclei)", UAInfo{"Nuclei", "Nuclei", "", UAScanner}},
		{"zgrab", "Mozilla/5.0 zgrab/0.x", UAInfo{"ZGrab", "zgrab", "0.x", UAScanner}},
		{"masscan", "masscan/1.3 (https://github.com/robertdavidgraham/masscan)", UAInfo{"masscan", "masscan", "1.3", UAScanner}},
		{"censys", "Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)", UAInfo{"Censys", "CensysInspect", "1.1", UAScanner}},
		{"rclone", "rclone/v1.57.0", UAInfo{"rclone", "rclone", "v1.57.0", UAS3Client}},
		{"cyberduck", "Cyberduck/8.2.3.36880 (Mac OS X/12.2.1) (x86_64)", UAInfo{"Cyberduck", "Cyberduck", "8.2.3.36880", UAS3Client}},
		{"minio mc", "MinIO (linux; amd64) minio-go/v7.0.21 mc/RELEASE.2022-02-16T05-54-01Z",
			UAInfo{"MinIO Client", "mc", "RELEASE.2022-02-16T05-54-01Z", UAS3Client}},
		{"minio-go library", "MinIO (linux; amd64) minio-go/v7.0.21", UAInfo{"MinIO Go SDK", "minio-go", "v7.0.21", UAS3Client}},
		{"s3cmd", "s3cmd/2.2.0", UAInfo{"s3cmd", "s3cmd", "2.2.0", UAS3Client}},
		{"googlebot", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", UAInfo{"Googlebot", "Googlebot", "2.1", UACrawler}},
		{"yahoo slurp is not the scanner", "Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)",
			UAInfo{"Yahoo Slurp", "Slurp", "", UACrawler}},
		{"empty", "", UAInfo{Family: UAFamilyEmpty, Category: UAEmpty}},
		{"s3 access log dash", "-", UAInfo{Family: UAFamilyEmpty, Category: UAEmpty}},
		{"blank", "   ", UAInfo{Family: UAFamilyEmpty, Category: UAEmpty}},
		{"unknown tool", "MyTool/0.1 (+https://example.com)", UAInfo{UAFamilyOther, "MyTool", "0.1", UAOther}},
		{"copy-paste debris", "Repeated Attempts:1", UAInfo{UAFamilyOther, "Repeated", "", UAOther}},
		{"ruby inside a word is not ruby", "rubyist/1.0", UAInfo{UAFamilyOther, "rubyist", "1.0", UAOther}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ClassifyUserAgent(tt.ua); got != tt.want {
				t.Errorf("ClassifyUserAgent(%q)\n got %+v\nwant %+v", tt.ua, got, tt.want)
			}
		})
	}
}

func TestUARulesWellFormed(t *testing.T) {
	for i, r := range uaRules {
		if r.match == "" || r.family == "" || r.category == "" {
			t.Errorf("rule %d (%q): empty match, family or category", i, r.match)
		}
		for _, c := range r.match {
			if c >= 'A' && c <= 'Z' {
				t.Errorf("rule %d: match %q must be lower case", i, r.match)
				break
			}
		}
		if r.how == matchSub && r.name == "" {
			t.Errorf("rule %d (%q): substring rules need a name", i, r.match)
		}
	}
}

// uaFamilies is the closed set of families ClassifyUserAgent may return.
func uaFamilies() map[string]bool {
	m := map[string]bool{UAFamilyEmpty: true, UAFamilyOther: true, "AWS service": true}
	for _, r := range uaRules {
		m[r.family] = true
	}
	return m
}

func FuzzClassifyUserAgent(f *testing.F) {
	for _, s := range []string{
		"", "-", "[", "]", "/", "a/", "/1", "Faraday v", "Faraday v1", "x v1",
		"Boto3/1.17.40 Python/3.6.12 Linux/3.10.0 Botocore/1.20.112",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/98.0.4758.102 Safari/537.36",
		"[aws-cli/2.0.0 Python/3.7.3]", "\xff\xfe", "s3.amazonaws.com",
	} {
		f.Add(s)
	}
	families := uaFamilies()
	f.Fuzz(func(t *testing.T, ua string) {
		info := ClassifyUserAgent(ua)
		if !families[info.Family] {
			t.Fatalf("family %q is not in the closed set", info.Family)
		}
		if info.Category == "" {
			t.Fatal("empty category")
		}
		if utf8.ValidString(ua) && (!utf8.ValidString(info.Name) || !utf8.ValidString(info.Version)) {
			t.Fatalf("valid input gave invalid UTF-8 name/version %q %q", info.Name, info.Version)
		}
	})
}
