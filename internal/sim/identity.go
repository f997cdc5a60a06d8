package sim

import (
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"strings"
	"time"
)

// KeyType is the public-key algorithm and size of a client certificate.
type KeyType int

// The key types of the simulated certificates. ALB accepts RSA keys of 2048
// to 8192 bits and ECDSA keys on P-256, P-384 and P-521.
const (
	KeyRSA2048 KeyType = iota
	KeyRSA4096
	KeyECDSAP256
	KeyECDSAP384
)

func (k KeyType) String() string {
	switch k {
	case KeyRSA2048:
		return "RSA 2048"
	case KeyRSA4096:
		return "RSA 4096"
	case KeyECDSAP256:
		return "ECDSA P-256"
	case KeyECDSAP384:
		return "ECDSA P-384"
	}
	return fmt.Sprintf("KeyType(%d)", int(k))
}

// Cohort is the group of a client's certificate, which decides how each
// path's verifier treats it. Expiry is judged against the connection time,
// so a certificate can expire, or become valid, during a run.
type Cohort int

const (
	// CohortValid certificates chain to a trusted CA and stay valid for more
	// than 30 days after Start.
	CohortValid Cohort = iota
	// CohortExpiringSoon certificates are valid at Start and expire within
	// 30 days of it. In runs shorter than 30 days, the first one expires
	// during the run.
	CohortExpiringSoon
	// CohortExpired certificates expired before Start.
	CohortExpired
	// CohortNotYetValid certificates become valid after Start: some within
	// hours, so they start to succeed during a day-long run, some in days.
	CohortNotYetValid
	// CohortRevoked certificates are on the CRL that a path checks when its
	// TrustPolicy.CheckCRL is set.
	CohortRevoked
	// CohortMissingIntermediate certificates are issued below two
	// intermediate CAs that the client does not send. A path whose
	// TrustPolicy.Intermediates is set has them in its CA bundle and accepts
	// the client. A path with only the root rejects the client as untrusted:
	// by default the ALB, but not the NLB terminators.
	CohortMissingIntermediate
	// CohortNoCertificate clients send no certificate at all.
	CohortNoCertificate
	// CohortDeepChain certificates are issued by a CA with a chain of 6
	// certificates, leaf and root included. A path whose
	// TrustPolicy.MaxChainDepth is lower rejects them.
	CohortDeepChain
)

var cohortNames = [...]string{"valid", "expiring-soon", "expired", "not-yet-valid", "revoked", "missing-intermediate", "no-certificate", "deep-chain"}

func (c Cohort) String() string {
	if c >= 0 && int(c) < len(cohortNames) {
		return cohortNames[c]
	}
	return fmt.Sprintf("Cohort(%d)", int(c))
}

// CohortShare is the share of the client population in one cohort.
type CohortShare struct {
	Cohort Cohort
	// Share is a fraction of Config.Clients, from 0 to 1.
	Share float64
}

// DefaultCohortShares returns the cohorts of DefaultConfig: 5 percent of
// the clients in CohortMissingIntermediate, 3 in CohortExpired, 4 in
// CohortExpiringSoon and 1 each in CohortNoCertificate, CohortNotYetValid
// and CohortRevoked. CohortValid takes the rest.
func DefaultCohortShares() []CohortShare {
	return []CohortShare{
		{CohortMissingIntermediate, 0.05},
		{CohortExpired, 0.03},
		{CohortExpiringSoon, 0.04},
		{CohortNoCertificate, 0.01},
		{CohortNotYetValid, 0.01},
		{CohortRevoked, 0.01},
	}
}

// Certificate is a client's leaf certificate as the logs and a preflight
// check see it.
type Certificate struct {
	// Subject is the subject DN as the ALB connection log writes it: RFC 4514
	// string form, most specific attribute first.
	Subject string
	// Serial is the serial number in upper-case hex without separators.
	Serial string
	// Issuer is the issuing CA's subject DN in the same form.
	Issuer              string
	NotBefore, NotAfter time.Time
	// ChainDepth counts the certificates from the leaf to the root, both
	// included.
	ChainDepth int
	Key        KeyType
}

// Behaviour is a client's traffic pattern: rates, connection reuse,
// protocols and retries.
type Behaviour struct {
	// PeakRequestRate is the client's requests per second at its daily
	// peak, before Config.RateScale.
	PeakRequestRate float64
	// RequestsPerConnection is the mean number of requests a client sends
	// on one keep-alive connection.
	RequestsPerConnection float64
	// ThinkTime is the mean gap between a response and the client's next
	// request on the same connection.
	ThinkTime time.Duration
	// HTTP2 clients negotiate HTTP/2 and send requests on a connection
	// without waiting for earlier responses.
	HTTP2 bool
	// TLS13 clients negotiate TLS 1.3; the others TLS 1.2.
	TLS13 bool
	// RetryOnFailure clients open a new connection after a failed
	// handshake, up to MaxRetries times, waiting RetryBackoff before the
	// first retry and twice as long before each further one.
	RetryOnFailure bool
	MaxRetries     int
	RetryBackoff   time.Duration
	// PeakShift moves this client's daily peak from Config.PeakHour.
	PeakShift time.Duration
}

// Identity is one simulated client: a certificate (or none), the addresses
// it connects from and how it behaves.
type Identity struct {
	// Index is the identity's position in the population.
	Index int
	// Organization is the partner the client belongs to.
	Organization string
	Cohort       Cohort
	// Certificate is nil for clients that send no certificate.
	Certificate *Certificate
	// SourceIPs are the addresses the client connects from. Clients behind
	// their organization's NAT share them with other identities.
	SourceIPs []netip.Addr
	// UserAgent is the User-Agent header, or "" when the client sends none.
	UserAgent string
	// SendsSNI is false for clients that send no server name in the TLS
	// handshake.
	SendsSNI bool
	// Resolver is the index of the DNS resolver the client uses.
	Resolver  int
	Behaviour Behaviour
}

// Key returns the identity that the analysis joins across paths,
// "<subject DN>|<serial>", or "" for a client without a certificate.
func (id *Identity) Key() string {
	if id.Certificate == nil {
		return ""
	}
	return id.Certificate.Subject + "|" + id.Certificate.Serial
}

type issuingCA struct {
	subject     string
	chainDepth  int
	serialBytes int
}

// issuingCAs are the CAs that sign the client certificates of the default
// cohorts. The last one signs the certificates of CohortMissingIntermediate,
// and organizations draw their CA from the others.
var issuingCAs = []issuingCA{
	{"CN=Example Partner Issuing CA 1,O=Example Corp,C=US", 3, 16},
	{"CN=Example Partner Issuing CA 2,O=Example Corp,C=US", 3, 16},
	{"CN=Woodgrove Client Authority,OU=PKI,O=Woodgrove Bank,C=US", 2, 8},
	{"CN=Contoso Device CA 2024,O=Contoso Ltd,C=GB", 3, 20},
	{"CN=Fabrikam Issuing CA G2,OU=Trust Services,O=Fabrikam\\, Inc.,C=DE", 4, 20},
}

const missingIntermediateCA = 4

// deepChainCA signs the certificates of CohortDeepChain.
var deepChainCA = issuingCA{"CN=Example Partner Device Sub-CA 3,OU=Devices,O=Example Corp,C=US", 6, 16}

// clientStack is the HTTP client software an organization uses.
type clientStack struct {
	userAgent   string // "" for a client that sends no User-Agent
	userAgentH2 string // the User-Agent over HTTP/2, "" when the stack has no HTTP/2
	tls13Share  float64
}

var clientStacks = []clientStack{
	{"Apache-HttpClient/4.5.14 (Java/17.0.10)", "", 0.9},
	{"Java-http-client/11.0.22", "Java-http-client/11.0.22", 0.8},
	{"okhttp/4.12.0", "okhttp/4.12.0", 0.95},
	{"Go-http-client/1.1", "Go-http-client/2.0", 1},
	{"python-requests/2.31.0", "", 0.9},
	{"curl/8.5.0", "curl/8.5.0", 1},
	{"", "", 0.8}, // .NET HttpClient sends no User-Agent unless the application sets one
	{"PartnerConnector/3.4.1 (Linux; x86_64)", "", 0.5},
	{"axios/1.6.7", "", 0.9},
}

type organization struct {
	name    string // the O attribute, escaped as in a DN
	domain  string
	country string
	units   []string
}

// organizations are fictitious partners. The last one is the organization
// whose clients form CohortMissingIntermediate.
var organizations = []organization{
	{"Woodgrove Bank", "woodgrovebank.example", "US", []string{"Payments", "Treasury"}},
	{"Contoso Ltd", "contoso.example", "GB", []string{"Integration", "Settlement"}},
	{"Northwind Traders", "northwindtraders.example", "US", []string{"EDI"}},
	{"Tailspin Freight", "tailspinfreight.example", "NL", []string{"Logistics API"}},
	{"Wide World Importers", "wideworldimporters.example", "AU", []string{"Purchasing", "Platform"}},
	{"Adventure Works Cycles", "adventure-works.example", "US", []string{"Commerce"}},
	{"Alpine Ski House", "alpineskihouse.example", "CH", []string{"Bookings"}},
	{"Coho Vineyard", "cohovineyard.example", "FR", []string{"Orders"}},
	{"Fourth Coffee", "fourthcoffee.example", "SE", []string{"Retail Systems"}},
	{"Lamna Healthcare", "lamnahealthcare.example", "IE", []string{"Claims", "Eligibility"}},
	{"Trey Research", "treyresearch.example", "JP", []string{"Data Exchange"}},
	{"Relecloud", "relecloud.example", "SG", []string{"Platform Engineering"}},
	{"VanArsdel Ltd", "vanarsdel.example", "DE", []string{"B2B Gateway"}},
	{"Humongous Insurance", "humongousinsurance.example", "US", []string{"Policy Admin", "Claims"}},
	{"Blue Yonder Airlines", "blueyonderairlines.example", "US", []string{"Revenue Accounting"}},
	{"Proseware", "proseware.example", "NL", []string{"Billing"}},
	{"Margie's Travel", "margiestravel.example", "GB", []string{"Reservations"}},
	{"Consolidated Messenger", "consolidatedmessenger.example", "US", []string{"Dispatch"}},
	{"Fabrikam\\, Inc.", "fabrikam.example", "DE", []string{"Supply Chain"}},
}

var hostPrefixes = []string{
	"api-gw", "edi-sync", "ledger", "payouts", "pos-hub", "claims", "fleet",
	"orders", "billing", "inventory", "batch-runner", "webhook", "settlement",
}

// Identities returns the client population that Run simulates for cfg.
func Identities(cfg Config) ([]Identity, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return newPopulation(&cfg), nil
}

// populationBuilder draws the population from one random stream, so the
// population depends on the seed, Start, Duration, Clients and Resolvers
// only.
type populationBuilder struct {
	cfg          *Config
	rnd          *rand.Rand
	orgResolver  []int
	orgStack     []int
	orgCA        []int
	orgShift     []time.Duration
	orgEgress    [][]netip.Addr
	orgHosts     []int
	nextIPv4     int
	ipv4Order    []int
	usedSerials  map[string]bool
	usedSubjects map[string]bool

	expiringDuringRunDrawn bool
}

func newPopulation(cfg *Config) []Identity {
	b := &populationBuilder{
		cfg:          cfg,
		rnd:          newRand(cfg.Seed, streamPopulation),
		usedSerials:  make(map[string]bool, cfg.Clients),
		usedSubjects: make(map[string]bool, cfg.Clients),
	}
	b.ipv4Order = b.rnd.Perm(3 * 256)
	b.setUpOrganizations()

	cohorts := b.drawCohorts()
	ids := make([]Identity, cfg.Clients)
	for i := range ids {
		ids[i] = b.newIdentity(i, cohorts[i])
	}
	b.shareRenewedSubjects(ids)
	return ids
}

func (b *populationBuilder) setUpOrganizations() {
	n := len(organizations)
	b.orgResolver = make([]int, n)
	b.orgStack = make([]int, n)
	b.orgCA = make([]int, n)
	b.orgShift = make([]time.Duration, n)
	b.orgEgress = make([][]netip.Addr, n)
	b.orgHosts = make([]int, n)
	for o := range organizations {
		b.orgResolver[o] = b.rnd.IntN(b.cfg.Resolvers)
		b.orgStack[o] = b.rnd.IntN(len(clientStacks))
		b.orgCA[o] = b.rnd.IntN(missingIntermediateCA)
		shift := math.Max(-2, math.Min(2, b.rnd.NormFloat64()))
		b.orgShift[o] = time.Duration(shift * float64(time.Hour)).Round(time.Minute)
		for range 1 + b.rnd.IntN(3) {
			b.orgEgress[o] = append(b.orgEgress[o], b.newIPv4())
		}
	}
	b.orgCA[len(organizations)-1] = missingIntermediateCA
}

// drawCohorts assigns cohorts to shuffled positions so that each cohort is
// spread over the population.
func (b *populationBuilder) drawCohorts() []Cohort {
	n := b.cfg.Clients
	cohorts := make([]Cohort, n)
	order := b.rnd.Perm(n)
	next := 0
	for _, cs := range b.cfg.Cohorts {
		count := int(math.Round(cs.Share * float64(n)))
		if n >= 20 && cs.Share > 0 {
			count = max(count, 1)
		}
		for range count {
			if next == n {
				break
			}
			cohorts[order[next]] = cs.Cohort
			next++
		}
	}
	return cohorts
}

// newIPv4 returns the next address of the three documentation ranges
// (RFC 5737), in a random order, starting again after all 768.
func (b *populationBuilder) newIPv4() netip.Addr {
	v := b.ipv4Order[b.nextIPv4%len(b.ipv4Order)]
	b.nextIPv4++
	nets := [3][3]byte{{192, 0, 2}, {198, 51, 100}, {203, 0, 113}}
	p := nets[v/256]
	return netip.AddrFrom4([4]byte{p[0], p[1], p[2], byte(v % 256)})
}

// newIPv6 returns an address in the organization's /48 of the documentation
// prefix 2001:db8::/32 (RFC 3849).
func (b *populationBuilder) newIPv6(org int) netip.Addr {
	var a [16]byte
	a[0], a[1], a[2], a[3] = 0x20, 0x01, 0x0d, 0xb8
	a[4], a[5] = 0x10, byte(org)
	a[7] = byte(b.rnd.IntN(16))
	for i := 8; i < 16; i++ {
		a[i] = byte(b.rnd.IntN(256))
	}
	return netip.AddrFrom16(a)
}

func (b *populationBuilder) newIdentity(index int, cohort Cohort) Identity {
	r := b.rnd
	org := b.pickOrganization(cohort)
	stack := clientStacks[b.orgStack[org]]

	id := Identity{
		Index:        index,
		Organization: strings.ReplaceAll(organizations[org].name, `\,`, ","),
		Cohort:       cohort,
		SendsSNI:     r.Float64() < 0.97,
		Resolver:     b.orgResolver[org],
	}
	// Some hosts use a public resolver instead of the corporate one, but
	// not those of a lead partner (Config.LeadPartnerShare).
	if r.Float64() < 0.2 && !b.isLeadPartner(org) {
		id.Resolver = r.IntN(min(b.cfg.Resolvers, 4))
	}
	if cohort != CohortNoCertificate {
		id.Certificate = b.newCertificate(org, cohort)
	}

	switch u := r.Float64(); {
	case u < 0.15:
		for range 1 + r.IntN(2) {
			id.SourceIPs = append(id.SourceIPs, b.newIPv6(org))
		}
	case u < 0.75:
		id.SourceIPs = b.orgEgress[org]
	default:
		for range 1 + r.IntN(2) {
			id.SourceIPs = append(id.SourceIPs, b.newIPv4())
		}
	}

	bh := &id.Behaviour
	bh.PeakRequestRate = math.Min(logNormal(r, 0.08, 1.3), 20)
	if cohort == CohortExpired || cohort == CohortNotYetValid || cohort == CohortRevoked || cohort == CohortNoCertificate {
		// Clients that fail everywhere are mostly forgotten hosts and
		// misconfigured jobs, which send less than the partners' main
		// systems.
		bh.PeakRequestRate /= 4
	}
	switch u := r.Float64(); {
	case u < 0.1:
		bh.RequestsPerConnection = 1
	case u < 0.4:
		bh.RequestsPerConnection = float64(2 + r.IntN(9))
	case u < 0.9:
		bh.RequestsPerConnection = float64(20 + r.IntN(181))
	default:
		bh.RequestsPerConnection = float64(500 + r.IntN(1501))
	}
	think := math.Min(logNormal(r, 1.5, 1.0), 50)
	bh.ThinkTime = time.Duration(think * float64(time.Second)).Round(time.Millisecond)
	bh.HTTP2 = stack.userAgentH2 != "" && r.Float64() < 0.7
	bh.TLS13 = r.Float64() < stack.tls13Share
	bh.RetryOnFailure = r.Float64() < 0.7
	if bh.RetryOnFailure {
		bh.MaxRetries = 1 + r.IntN(5)
		bh.RetryBackoff = time.Duration(500+r.IntN(1501)) * time.Millisecond
	}
	bh.PeakShift = b.orgShift[org]

	id.UserAgent = stack.userAgent
	if bh.HTTP2 {
		id.UserAgent = stack.userAgentH2
	}
	return id
}

// pickOrganization draws an organization with a Zipf-like weight, so a few
// partners bring most clients. CohortMissingIntermediate clients all belong
// to the last organization, and no other client does. With a
// Config.LeadPartnerShare, the first organization takes that share of the
// other clients and the rest are spread over the others.
func (b *populationBuilder) pickOrganization(cohort Cohort) int {
	last := len(organizations) - 1
	if cohort == CohortMissingIntermediate {
		return last
	}
	first := 0
	if b.cfg.LeadPartnerShare > 0 {
		if b.rnd.Float64() < b.cfg.LeadPartnerShare {
			return 0
		}
		first = 1
	}
	weights := make([]float64, last-first)
	for i := range weights {
		weights[i] = 1 / float64(first+i+1)
	}
	return first + pickWeighted(b.rnd, weights)
}

// isLeadPartner reports whether org is the organization that
// Config.LeadPartnerShare concentrates clients in.
func (b *populationBuilder) isLeadPartner(org int) bool {
	return b.cfg.LeadPartnerShare > 0 && org == 0
}

func (b *populationBuilder) newCertificate(org int, cohort Cohort) *Certificate {
	r := b.rnd
	ca := issuingCAs[b.orgCA[org]]
	if cohort == CohortDeepChain {
		ca = deepChainCA
	} else if cohort != CohortMissingIntermediate && r.Float64() < 0.1 {
		// A few hosts got their certificate from another CA than the rest of
		// their organization.
		ca = issuingCAs[r.IntN(missingIntermediateCA)]
	}

	cert := &Certificate{
		Subject:    b.newSubject(org),
		Serial:     b.newSerial(ca.serialBytes),
		Issuer:     ca.subject,
		ChainDepth: ca.chainDepth,
		Key:        KeyType(pickWeighted(r, []float64{0.5, 0.15, 0.28, 0.07})),
	}

	const day = 24 * time.Hour
	lifetimes := []time.Duration{90 * day, 365 * day, 397 * day, 730 * day}
	lifetime := lifetimes[r.IntN(len(lifetimes))]
	start, period := b.cfg.populationPeriod()
	uniform := func(lo, hi time.Duration) time.Duration {
		return lo + time.Duration(r.Int64N(int64(hi-lo)))
	}
	switch cohort {
	case CohortExpiringSoon:
		cert.NotAfter = start.Add(uniform(day, 30*day))
		if b.expiringDuringRun(period) {
			cert.NotAfter = start.Add(uniform(period*3/10, period*7/10+1))
		}
		cert.NotBefore = cert.NotAfter.Add(-lifetime)
	case CohortExpired:
		cert.NotAfter = start.Add(-uniform(day, 120*day))
		cert.NotBefore = cert.NotAfter.Add(-lifetime)
	case CohortNotYetValid:
		if r.IntN(2) == 0 {
			cert.NotBefore = start.Add(uniform(time.Hour, 12*time.Hour))
		} else {
			cert.NotBefore = start.Add(uniform(2*day, 20*day))
		}
		cert.NotAfter = cert.NotBefore.Add(lifetime)
	default:
		remaining := 31*day + max(period, 0)
		cert.NotAfter = start.Add(remaining + uniform(0, max(lifetime-remaining, day)))
		cert.NotBefore = cert.NotAfter.Add(-lifetime)
	}
	cert.NotBefore = cert.NotBefore.Truncate(time.Second).UTC()
	cert.NotAfter = cert.NotAfter.Truncate(time.Second).UTC()
	return cert
}

// expiringDuringRun reports whether the next CohortExpiringSoon certificate
// should expire inside the population's period: true for the first one, in
// periods shorter than 30 days.
func (b *populationBuilder) expiringDuringRun(period time.Duration) bool {
	if period >= 30*24*time.Hour || b.expiringDuringRunDrawn {
		return false
	}
	b.expiringDuringRunDrawn = true
	return true
}

// newSubject returns a new subject DN in the organization, such as
// "CN=ledger-03.contoso.example,OU=Settlement,O=Contoso Ltd,C=GB".
func (b *populationBuilder) newSubject(org int) string {
	r := b.rnd
	o := organizations[org]
	for {
		b.orgHosts[org]++
		prefix := hostPrefixes[r.IntN(len(hostPrefixes))]
		var cn string
		if r.Float64() < 0.1 {
			cn = fmt.Sprintf("%s-%s-client", strings.SplitN(o.domain, ".", 2)[0], prefix)
		} else {
			cn = fmt.Sprintf("%s-%02d.%s", prefix, b.orgHosts[org], o.domain)
		}
		var s strings.Builder
		s.WriteString("CN=" + cn)
		if r.Float64() < 0.7 {
			s.WriteString(",OU=" + o.units[r.IntN(len(o.units))])
		}
		s.WriteString(",O=" + o.name)
		if o.country == "US" && r.Float64() < 0.3 {
			s.WriteString(",L=Seattle,ST=Washington")
		}
		s.WriteString(",C=" + o.country)
		subject := s.String()
		if !b.usedSubjects[subject] {
			b.usedSubjects[subject] = true
			return subject
		}
	}
}

// newSerial returns a unique positive serial of n bytes in upper-case hex,
// with a non-zero first digit.
func (b *populationBuilder) newSerial(n int) string {
	raw := make([]byte, n)
	for {
		for i := range raw {
			raw[i] = byte(b.rnd.IntN(256))
		}
		raw[0] = 0x10 + byte(b.rnd.IntN(0x70))
		s := strings.ToUpper(hex.EncodeToString(raw))
		if !b.usedSerials[s] {
			b.usedSerials[s] = true
			return s
		}
	}
}

// shareRenewedSubjects gives about half of the expired certificates a
// successor: a valid certificate of another identity in the same
// organization with the same subject and a new serial, as when one host got
// a renewed certificate and another still uses the old one.
func (b *populationBuilder) shareRenewedSubjects(ids []Identity) {
	isSuccessor := make(map[int]bool)
	for i := range ids {
		old := &ids[i]
		if old.Cohort != CohortExpired || b.rnd.IntN(2) == 0 {
			continue
		}
		for j := range ids {
			renewed := &ids[j]
			if renewed.Cohort == CohortValid && !isSuccessor[j] && renewed.Organization == old.Organization {
				renewed.Certificate.Subject = old.Certificate.Subject
				isSuccessor[j] = true
				break
			}
		}
	}
}
