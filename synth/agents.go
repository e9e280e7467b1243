package synth

// agent is a user agent and how many visitors use it. The mix follows the
// real honeybucket data: Go's default client and Boto3 dominate, then Java,
// the AWS CLI and SDKs, a few browsers, HTTP libraries and scanners.
type agent struct {
	ua     string
	weight float64
	sdk    bool // an AWS SDK or CLI: lists with ListObjectsV2 parameters
}

var agents = []agent{
	{"Go-http-client/1.1", 30, false},
	{"Boto3/1.17.40 Python/3.6.12 Linux/3.10.0-1160.6.1.el7.x86_64 Botocore/1.20.112", 4, true},
	{"Boto3/1.20.24 Python/3.9.9 Linux/5.4.0-1051-gke Botocore/1.23.24 Resource", 3, true},
	{"Boto3/1.26.137 Python/3.10.12 Linux/5.15.0-1041-aws Botocore/1.29.137", 3, true},
	{"Boto3/1.28.57 Python/3.11.5 Linux/6.2.0-1012-gcp Botocore/1.31.57 Resource", 3, true},
	{"Boto3/1.34.34 Python/3.12.1 Linux/6.5.0-1014-azure Botocore/1.34.34", 2, true},
	{"Boto3/1.9.85 Python/2.7.15 Darwin/17.7.0 Botocore/1.12.253 Resource", 1, true},
	{"Java/1.8.0_201", 6, false},
	{"Java/11.0.11", 1, false},
	{"Java/17.0.8", 1, false},
	{"aws-sdk-go/1.44.122 (go1.19.3; linux; amd64)", 2, true},
	{"aws-sdk-go/1.40.9 (go1.16.3; linux; amd64)", 1, true},
	{"aws-sdk-go-v2/1.21.0 os/linux lang/go#1.21.1 md/GOOS#linux md/GOARCH#amd64 api/s3#1.40.0", 1, true},
	{"aws-cli/2.13.25 Python/3.11.5 Linux/5.15.0-86-generic exe/x86_64.ubuntu.22 prompt/off command/s3.ls", 2, true},
	{"aws-cli/1.18.69 Python/3.8.10 Linux/5.4.0-148-generic botocore/1.16.19", 1, true},
	{"aws-sdk-java/1.12.470 Linux/5.10.178-162.673.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/25.372-b07 java/1.8.0_372 vendor/Amazon.com_Inc.", 1, true},
	{"aws-sdk-nodejs/2.1354.0 linux/v18.16.0 promise", 1, true},
	{"Ruby", 3, false},
	{"python-requests/2.22.0", 2, false},
	{"python-requests/2.31.0", 1, false},
	{"curl/7.68.0", 1, false},
	{"curl/8.4.0", 1, false},
	{"Wget/1.21.2", 0.5, false},
	{"Apache-HttpClient/4.5.13 (Java/11.0.19)", 0.5, false},
	{"rclone/v1.62.2", 0.5, true},
	{"Cyberduck/8.6.3.40040 (Mac OS X/13.5.2) (aarch64)", 0.5, false},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", 2, false},
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 Safari/537.36", 1, false},
	{"Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0", 1, false},
	{"Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)", 0.5, false},
	{"Mozilla/5.0 zgrab/0.x", 0.5, false},
	{"s3scanner", 0.5, false},
}

// heavyAgent is what the heavy-hitter hosts send: one crawler, one SDK.
const heavyAgent = "Boto3/1.26.137 Python/3.10.12 Linux/5.15.0-1041-aws Botocore/1.29.137"
